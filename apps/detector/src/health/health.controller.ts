import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { jsonString, JsonStringResponse } from '../common/json-string.decorator';
import { ModelsHealthIndicator } from './models.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly models: ModelsHealthIndicator,
  ) {}

  @Get()
  @JsonStringResponse()
  @ApiOperation({ summary: 'The seed\'s health check: the JSON string "HEALTH OK"' })
  @ApiOkResponse({ schema: { type: 'string', example: 'HEALTH OK' } })
  seed(): string {
    return jsonString('HEALTH OK');
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness probe: the process answers' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness probe: 200 when the models are loaded and warm, 503 while loading' })
  @ApiServiceUnavailableResponse({ description: 'Models still downloading or loading.' })
  ready() {
    return this.health.check([() => this.models.check()]);
  }
}
