import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/route-access.decorator';
import { jsonString, JsonStringResponse } from '../common/json-string.decorator';
import { ModelsHealthIndicator } from './models.health';
import { ShutdownHealthIndicator } from './shutdown.health';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly models: ModelsHealthIndicator,
    private readonly shutdown: ShutdownHealthIndicator,
  ) {}

  @Get()
  @JsonStringResponse()
  @ApiOperation({ summary: 'Health check compatible with the original app: the JSON string "HEALTH OK"' })
  @ApiOkResponse({ schema: { type: 'string', example: 'HEALTH OK' } })
  healthOk(): string {
    return jsonString('HEALTH OK');
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness probe: the process answers (also while loading models and while shutting down)' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness probe: 200 when the models are loaded and warm, 503 while loading or shutting down' })
  @ApiServiceUnavailableResponse({ description: 'Models still downloading or loading, or the service is shutting down.' })
  ready() {
    return this.health.check([() => this.models.check(), () => this.shutdown.check()]);
  }
}
