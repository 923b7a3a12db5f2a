import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { KryonixConfig } from './config';
import { DatabaseConnector } from './database/database-connector';
import { GatewayAccess } from './database/gateway-access';
import { PostgresServer } from './database/postgres-server';
import { ServerRepository } from './database/server.repository';
import { loadMasterKey } from './master-key';
import { SecretBox } from './secrets';
import { CONTROL_DB, KRYONIX_CONFIG } from './tokens';

export interface PlatformOptions {
  /** The data plane: set the gateway role's password from this process's master key. */
  gateway?: boolean;
}

/**
 * What every process stands on: its configuration (parsed once, before this module is
 * built), the PostgreSQL server (embedded when none is configured) and its connections,
 * the control database (made and closed to PUBLIC when missing), the master key's
 * SecretBox and the gateway role. Global: use cases inject these without importing it.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: KryonixConfig, options: PlatformOptions = {}): DynamicModule {
    return {
      module: PlatformModule,
      providers: [
        { provide: KRYONIX_CONFIG, useValue: config },
        { provide: PostgresServer, useFactory: () => PostgresServer.open(config) },
        {
          provide: DatabaseConnector,
          useFactory: (server: PostgresServer) => {
            const connector = new DatabaseConnector(server.adminUrl, { connectTimeoutMs: config.acquireTimeoutMs });
            opened.set(config, connector);
            return connector;
          },
          inject: [PostgresServer],
        },
        { provide: ServerRepository, useValue: new ServerRepository() },
        {
          provide: CONTROL_DB,
          useFactory: (server: PostgresServer, connector: DatabaseConnector, servers: ServerRepository) => ensureControlDatabase(server, connector, servers, config.registryDatabase),
          inject: [PostgresServer, DatabaseConnector, ServerRepository],
        },
        { provide: SecretBox, useFactory: async () => new SecretBox(await loadMasterKey(config.home, config.masterKey)) },
        {
          provide: GatewayAccess,
          useFactory: async (server: PostgresServer, secrets: SecretBox, control: Kysely<unknown>, servers: ServerRepository) => {
            const gateway = new GatewayAccess(server, secrets);
            await servers.ensureGatewayRole(control, gateway.verifier(), options.gateway);
            return gateway;
          },
          inject: [PostgresServer, SecretBox, CONTROL_DB, ServerRepository],
        },
      ],
      exports: [KRYONIX_CONFIG, PostgresServer, DatabaseConnector, ServerRepository, CONTROL_DB, SecretBox, GatewayAccess],
    };
  }
}

/** The connector each configuration's module made, so a start-up that failed half-way can still close it. */
const opened = new WeakMap<KryonixConfig, DatabaseConnector>();

/**
 * Closes what a PlatformModule built on `config` opened, when building the rest failed
 * (Nest then hands no container back to close): idle pooled connections would otherwise
 * keep a short-lived process alive.
 */
export async function closePlatform(config: KryonixConfig): Promise<void> {
  const connector = opened.get(config);
  opened.delete(config);
  await connector?.close();
}

/** The control database (KRYONIX_REGISTRY_DATABASE), created when missing; tenant roles may not connect to it. */
async function ensureControlDatabase(server: PostgresServer, connector: DatabaseConnector, servers: ServerRepository, database: string): Promise<Kysely<unknown>> {
  try {
    await servers.probe(connector.db(database));
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw PostgresServer.explain(error); // invalid_catalog_name: database missing
    await connector.release(database);
    await connector.once(server.maintenanceDatabase, async (admin) => {
      await servers.ensureDatabase(admin, database);
      // On our own embedded server, tenant roles may not even connect to the maintenance databases.
      await servers.lockDownDatabases(admin, server.embedded ? [database, 'postgres', 'template1'] : [database]);
    });
  }
  return connector.db(database);
}
