import { Controller, Get, Header, Inject, Optional, Req } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { AuthFailureLimiter } from './auth-failure-limiter';
import type { PeerRequest } from './client-address';
import { METRICS_TOKEN, assertMetricsAccess } from './metrics-token';
import { Public } from './public.decorator';

/** The Prometheus registry a server exposes at /metrics. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** The control plane's Prometheus scrape endpoint (no operator token; KRYONIX_METRICS_TOKEN when set). */
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly limiter: AuthFailureLimiter,
    @Optional() @Inject(METRICS_TOKEN) private readonly token?: string,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Req() request: PeerRequest): Promise<string> {
    assertMetricsAccess(request, this.token, this.limiter);
    return this.registry.metrics();
  }
}
