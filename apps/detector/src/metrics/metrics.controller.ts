import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { MetricsAccess } from '../auth/route-access.decorator';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@MetricsAccess()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics: requests, detection latency per stage, queue, refusals, models, process' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string', example: 'http_requests_total{method="POST",route="/predict",status="200",model="yolov5s"} 12' } })
  scrape(): Promise<string> {
    return this.metrics.metrics();
  }
}
