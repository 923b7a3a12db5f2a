import { Controller, Get, Header, Headers, Inject, Optional } from '@nestjs/common';
import { METRICS_TOKEN, Public, assertMetricsAccess } from '@kryonix/web';
import { TenantMetrics } from './tenant-metrics';

/** Prometheus scrape endpoint (no operator token: keep it on a network only Prometheus reaches). */
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(
    private readonly metrics: TenantMetrics,
    @Optional() @Inject(METRICS_TOKEN) private readonly token?: string,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization?: string): Promise<string> {
    assertMetricsAccess(authorization, this.token);
    return this.metrics.registry.metrics();
  }
}
