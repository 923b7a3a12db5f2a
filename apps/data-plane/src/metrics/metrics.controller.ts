import { Controller, Get, Header, Headers, Inject, Optional } from '@nestjs/common';
import { METRICS_TOKEN, assertMetricsAccess } from '@kryonix/web';
import { DataPlaneMetrics } from './data-plane-metrics';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: DataPlaneMetrics,
    @Optional() @Inject(METRICS_TOKEN) private readonly token?: string,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization?: string): Promise<string> {
    assertMetricsAccess(authorization, this.token);
    return this.metrics.registry.metrics();
  }
}
