import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ModuleCatalog } from '@kryonix/provisioning';
import { describe } from '@kryonix/web';
import { TenantConnections } from '../pools/tenant-connections';
import { RouteCache } from '../routing/route-cache';
import type { TenantRequest } from '../routing/tenant.guard';

/** Prometheus metrics of the data plane: requests, latency, pool connections, route cache. */
@Injectable()
export class DataPlaneMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'kryonix_data_requests_total', help: 'Requests by tenant, module and status.', labelNames: ['tenant', 'module', 'status'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'kryonix_data_request_duration_seconds',
    help: 'Request latency.',
    labelNames: ['module'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(connections: TenantConnections, routes: RouteCache) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kryonix_data_plane_' });
    new Gauge({ name: 'kryonix_data_pool_connections', help: 'Server connections held, by state.', labelNames: ['state'], registers: [this.registry], collect() {
      const s = connections.stats();
      this.set({ state: 'in_use' }, s.total - s.idle);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting_requests' }, s.waiting);
    } });
    new Gauge({ name: 'kryonix_data_route_cache', help: 'Route cache lookups.', labelNames: ['result'], registers: [this.registry], collect() {
      this.set({ result: 'hit' }, routes.hits);
      this.set({ result: 'miss' }, routes.misses);
      this.set({ result: 'shared_hit' }, routes.sharedHits);
    } });
  }
}

/** Counts and times every /api request, whatever its outcome. */
@Injectable()
export class RequestMetricsInterceptor implements NestInterceptor {
  private readonly modules: Set<string>;

  constructor(
    private readonly metrics: DataPlaneMetrics,
    catalog: ModuleCatalog,
  ) {
    this.modules = new Set(catalog.names());
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<TenantRequest & { params?: Record<string, string> }>();
    const started = process.hrtime.bigint();
    const done = (status: number) => {
      // Only known module names as label values: a path must not mint new series.
      const requested = req.params?.module;
      const module = requested === undefined ? 'none' : this.modules.has(requested) ? requested : 'unknown';
      this.metrics.requests.inc({ tenant: req.tenant?.id ?? 'unknown', module, status: String(status) });
      this.metrics.latency.observe({ module }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    return next.handle().pipe(
      tap({
        next: () => done(context.switchToHttp().getResponse<{ statusCode: number }>().statusCode),
        error: (error: unknown) => done(describe(error).status),
      }),
    );
  }
}
