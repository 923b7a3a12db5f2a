import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@kryonix/web';
import { TenantMetrics } from './tenant-metrics';

/** Prometheus scrape endpoint (no operator token: keep it on a network only Prometheus reaches). */
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: TenantMetrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
