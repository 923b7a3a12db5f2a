import { Controller, Get, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { CheckReadinessQuery, type Readiness } from '@kryonix/routes';
import { RouteCache } from './route-cache';

/** The data plane's readiness: the registry's, plus what it serves while the registry cannot be read. */
export interface DataPlaneReadiness extends Readiness {
  /** Routes served from their last read while the registry cannot be read (0 while it can). */
  staleRoutes: number;
  /** Since when the registry cannot be read (ISO 8601), while it cannot. */
  registryUnreachableSince?: string;
}

/**
 * Liveness and readiness of the data plane (public, no key). Ready: the registry answers
 * and its migrations are applied — or the registry cannot be read but this process still
 * serves tenants from their last known routes (KRYONIX_ROUTE_STALE_MAX): it stays in the
 * load balancer (200, the body says `registry: "unreachable"` and how many routes are
 * stale), since taking every data plane out for a registry outage would stop every tenant.
 * One that knows no route then can serve nobody: 503.
 */
@Controller()
export class ReadinessController {
  constructor(
    private readonly queries: QueryBus,
    private readonly routes: RouteCache,
  ) {}

  @Get('healthz')
  health() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(@Res({ passthrough: true }) reply: { status(code: number): unknown }): Promise<DataPlaneReadiness> {
    const readiness = await this.queries.execute(new CheckReadinessQuery());
    // the probe is evidence too: the route cache stops waiting on a registry that does not answer, or reads everything again once it does
    if (readiness.registry === 'ok') this.routes.registryAnswered();
    else this.routes.registryFailed(new Error('the readiness probe got no answer'));
    const state = this.routes.registryState();
    const ready = readiness.registry === 'ok' ? readiness.ready : state.staleRoutes > 0;
    reply.status(ready ? 200 : 503);
    return { ...readiness, ready, staleRoutes: state.staleRoutes, ...(state.downSince !== undefined ? { registryUnreachableSince: new Date(state.downSince).toISOString() } : {}) };
  }
}
