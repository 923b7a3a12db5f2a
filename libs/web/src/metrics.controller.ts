import { Controller, Get, Header, Headers, Inject, Optional } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { METRICS_TOKEN, assertMetricsAccess } from './metrics-token';
import { Public } from './public.decorator';

/** The Prometheus registry a server exposes at /metrics. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** Prometheus scrape endpoint of either server (no operator token; KRYONIX_METRICS_TOKEN when set). */
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Optional() @Inject(METRICS_TOKEN) private readonly token?: string,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization?: string): Promise<string> {
    assertMetricsAccess(authorization, this.token);
    return this.registry.metrics();
  }
}
