import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ModuleCatalog } from '@kryonix/modules';
import { type KryonixRuntime } from '@kryonix/tenants';
import { TenantsModule } from '@kryonix/tenants';
import { DomainExceptionFilter, METRICS_REGISTRY, METRICS_TOKEN, MetricsController } from '@kryonix/web';
import { HealthController } from '@kryonix/web';
import { DataPlaneMetrics } from './metrics/data-plane-metrics';
import { CONNECTION_OPTIONS, ConnectionOptions, TenantConnections } from './pools/tenant-connections';
import { ModuleResourcesController } from './resources/module-resources.controller';
import { ModuleResources } from './resources/module-resources.service';
import { ROUTE_CACHE_OPTIONS, RouteCache, RouteCacheOptions } from './routing/route-cache';
import { RATE_LIMIT_OPTIONS, RateLimitOptions, RateLimiter } from './routing/rate-limiter';
import { TenantAccess } from './routing/tenant-access';
import { TenantGuard } from './routing/tenant.guard';


export interface DataPlaneOptions {
  connections: Omit<ConnectionOptions, 'urlFor'>;
  routes: RouteCacheOptions;
  rateLimit: RateLimitOptions;
  /** KRYONIX_METRICS_TOKEN: when set, /metrics wants it as a bearer token. */
  metricsToken?: string;
}

@Module({})
export class DataPlaneModule {
  static forRuntime(runtime: KryonixRuntime, options: DataPlaneOptions): DynamicModule {
    return {
      module: DataPlaneModule,
      imports: [TenantsModule.forRuntime(runtime)],
      controllers: [ModuleResourcesController, HealthController, MetricsController],
      providers: [
        { provide: CONNECTION_OPTIONS, useValue: { ...options.connections, urlFor: runtime.gatewayUrl } },
        { provide: ROUTE_CACHE_OPTIONS, useValue: options.routes },
        { provide: RATE_LIMIT_OPTIONS, useValue: options.rateLimit },
        { provide: METRICS_TOKEN, useValue: options.metricsToken },
        RateLimiter,
        { provide: ModuleCatalog, useValue: runtime.catalog },
        { provide: TenantAccess, useFactory: (routes: RouteCache) => new TenantAccess(routes, runtime.config.baseDomain), inject: [RouteCache] },
        { provide: APP_FILTER, useClass: DomainExceptionFilter },
        TenantConnections,
        RouteCache,
        TenantGuard,
        ModuleResources,
        DataPlaneMetrics,
        { provide: METRICS_REGISTRY, useFactory: (m: DataPlaneMetrics) => m.registry, inject: [DataPlaneMetrics] },
      ],
    };
  }
}
