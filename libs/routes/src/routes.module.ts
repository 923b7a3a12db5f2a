import { Module } from '@nestjs/common';
import { CheckReadinessHandler } from './check-readiness/check-readiness.handler';
import { ResolveRouteHandler } from './resolve-route/resolve-route.handler';

/** What serving a tenant needs from the registry (the data plane's queries; the control plane's readiness too). Needs CqrsModule at the root. */
@Module({ providers: [ResolveRouteHandler, CheckReadinessHandler] })
export class RoutesModule {}
