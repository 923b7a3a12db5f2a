import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ModuleCatalog } from '@kryonix/modules';
import { TenantConnections } from '../pools/tenant-connections';
import { RouteCache } from '../routing/route-cache';
import type { TenantRequest } from '../routing/tenant.guard';

/** Prometheus metrics of the data plane: requests, latency, pool connections per server, route cache, the registry as last seen. */
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

  /** Only known module names become label values: a path must not mint new series. */
  private readonly modules: Set<string>;

  constructor(connections: TenantConnections, routes: RouteCache, catalog: ModuleCatalog) {
    this.modules = new Set(catalog.names());
    collectDefaultMetrics({ register: this.registry, prefix: 'kryonix_data_plane_' });
    new Gauge({ name: 'kryonix_data_pool_connections', help: 'Server connections held, by PostgreSQL server and state.', labelNames: ['server', 'state'], registers: [this.registry], collect() {
      this.reset(); // a server no longer served leaves no series behind
      for (const s of connections.byServer()) {
        this.set({ server: s.server, state: 'in_use' }, s.total - s.idle);
        this.set({ server: s.server, state: 'idle' }, s.idle);
        this.set({ server: s.server, state: 'waiting_requests' }, s.waiting);
      }
    } });
    new Gauge({ name: 'kryonix_data_pool_switches', help: "Requests whose connection had to be switched to their tenant (the others found an idle one carrying it), by PostgreSQL server, since start.", labelNames: ['server'], registers: [this.registry], collect() {
      this.reset();
      for (const s of connections.byServer()) this.set({ server: s.server }, s.switches);
    } });
    new Gauge({ name: 'kryonix_data_pool_steals', help: "Schema-mode requests served by a connection that is not one of their tenant's two homes (both were busy: a connection that had served the tenant before at once, any free one after 5 ms), by PostgreSQL server, since start.", labelNames: ['server'], registers: [this.registry], collect() {
      this.reset();
      for (const s of connections.byServer()) this.set({ server: s.server }, s.steals);
    } });
    new Gauge({ name: 'kryonix_data_server_up', help: 'Whether each PostgreSQL server this process serves tenants on was reachable when last used (1) or not (0).', labelNames: ['server'], registers: [this.registry], collect() {
      this.reset();
      for (const s of connections.byServer()) this.set({ server: s.server }, s.up ? 1 : 0);
    } });
    new Gauge({ name: 'kryonix_data_route_cache', help: 'Route cache lookups.', labelNames: ['result'], registers: [this.registry], collect() {
      this.set({ result: 'hit' }, routes.hits);
      this.set({ result: 'miss' }, routes.misses);
      this.set({ result: 'shared_hit' }, routes.sharedHits);
      this.set({ result: 'unknown_hit' }, routes.unknownHits);
      this.set({ result: 'registry_read' }, routes.registryReads);
      this.set({ result: 'stale_hit' }, routes.staleHits);
    } });
    new Gauge({ name: 'kryonix_data_plane_registry_up', help: 'Whether the registry could be read when last tried (1) or not (0: known tenants are served from their last known routes).', registers: [this.registry], collect() {
      this.set(routes.registryState().up ? 1 : 0);
    } });
    new Gauge({ name: 'kryonix_data_plane_stale_routes', help: 'Routes served from their last read while the registry cannot be read (KRYONIX_ROUTE_STALE_MAX).', registers: [this.registry], collect() {
      this.set(routes.registryState().staleRoutes);
    } });
  }

  /**
   * Counts and times every response, whatever answered it: the tenant guard's
   * refusals (401, 403, 404 unknown tenant, 429) never reach a Nest interceptor,
   * so this hangs on Fastify's onResponse hook. Call before the app listens.
   */
  countResponses(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request, reply) => {
      this.observe(request as unknown as TenantRequest & { params?: Record<string, string> }, reply.statusCode, reply.elapsedTime / 1000);
    });
  }

  /** tenant: the addressed tenant when the registry knows it, else "unknown" (a made-up Host mints no series). */
  private observe(req: TenantRequest & { params?: Record<string, string> }, status: number, seconds: number): void {
    const requested = req.params?.module;
    const module = requested === undefined ? 'none' : this.modules.has(requested) ? requested : 'unknown';
    this.requests.inc({ tenant: req.tenantId ?? 'unknown', module, status: String(status) });
    this.latency.observe({ module }, seconds);
  }
}
