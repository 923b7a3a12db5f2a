import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ModulesModule } from '@kryonix/modules';
import { KRYONIX_CONFIG, type KryonixConfig, PlatformModule, tenantUrl } from '@kryonix/platform';
import { RegistryModule } from '@kryonix/registry';
import { RoutesModule } from '@kryonix/routes';
import { AuthFailureLimiter, DomainExceptionFilter } from '@kryonix/web';
import { DataPlaneMetrics } from './metrics/data-plane-metrics';
import { ServerGateways } from './pools/server-gateways';
import { CONNECTION_OPTIONS, ConnectionOptions, TenantConnections } from './pools/tenant-connections';
import { ApiDocsController } from './resources/api-docs.controller';
import { ModuleResourcesController } from './resources/module-resources.controller';
import { ModuleResources } from './resources/module-resources.service';
import { TenantOpenApi } from './resources/tenant-openapi';
import { ROUTE_CACHE_OPTIONS, RouteCache, RouteCacheOptions } from './routing/route-cache';
import { RATE_LIMIT_OPTIONS, RateLimitOptions, RateLimiter } from './routing/rate-limiter';
import { ReadinessController } from './routing/readiness.controller';
import { TenantAccess } from './routing/tenant-access';
import { TenantGuard } from './routing/tenant.guard';
import { TenantEventsListener } from './routing/tenant-events.listener';
import { MOVE_HOLD_MS, MoveHold } from './routing/move-hold';

export interface DataPlaneOptions {
  connections: ConnectionOptions;
  routes: RouteCacheOptions;
  rateLimit: RateLimitOptions;
}

@Module({})
export class DataPlaneModule {
  static forRoot(config: KryonixConfig, options: DataPlaneOptions): DynamicModule {
    return {
      module: DataPlaneModule,
      // The registry's reads only: the data plane never provisions, migrates or runs the control plane's use cases.
      imports: [PlatformModule.forRoot(config, { gateway: true }), ModulesModule, RegistryModule, CqrsModule.forRoot(), RoutesModule],
      // No /metrics here: it names tenants, so it is served on a listener of its own (server.ts, KRYONIX_DATA_METRICS_PORT).
      controllers: [ModuleResourcesController, ApiDocsController, ReadinessController],
      providers: [
        { provide: CONNECTION_OPTIONS, useValue: options.connections },
        ServerGateways,
        { provide: ROUTE_CACHE_OPTIONS, useValue: options.routes },
        { provide: RATE_LIMIT_OPTIONS, useValue: options.rateLimit },
        RateLimiter,
        { provide: MOVE_HOLD_MS, useValue: config.moveMaxPauseMs },
        MoveHold,
        {
          provide: TenantAccess,
          useFactory: (routes: RouteCache, settings: KryonixConfig, moves: MoveHold) => new TenantAccess(routes, settings.baseDomain, tenantUrl(settings, '<tenant>'), moves),
          inject: [RouteCache, KRYONIX_CONFIG, MoveHold],
        },
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
        TenantConnections,
        RouteCache,
        TenantEventsListener,
        TenantGuard,
        ModuleResources,
        TenantOpenApi,
        DataPlaneMetrics,
        // Guards the metrics token (tenant API keys have their own per-tenant rate limit).
        {
          provide: AuthFailureLimiter,
          useFactory: (m: DataPlaneMetrics) => new AuthFailureLimiter({ maxFailures: config.authFailureLimit, trustedProxies: config.trustedProxies, registry: m.registry, surfaces: ['metrics'] }),
          inject: [DataPlaneMetrics],
        },
      ],
    };
  }
}
