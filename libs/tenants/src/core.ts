import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { type KryonixConfig, type PlatformOptions, closePlatform } from '@kryonix/platform';
import { AuditedCommands } from './audit/audited-commands';
import { KryonixCoreModule, type TenantsOptions } from './tenants.module';

/** The core of one process without an HTTP server: the CLI in-process, tests, benchmarks. */
export interface KryonixCore {
  config: KryonixConfig;
  app: INestApplicationContext;
  commands: CommandBus;
  queries: QueryBus;
  /** The commands as the doors run them: audited when run inside withAuditOrigin. */
  audited: AuditedCommands;
  close(): Promise<void>;
}

/** Builds the core with Nest (the embedded PostgreSQL is started and the registry migrated on the way). */
export async function openCore(config: KryonixConfig, options: TenantsOptions & PlatformOptions = {}): Promise<KryonixCore> {
  const app = await NestFactory.createApplicationContext(KryonixCoreModule.forRoot(config, options), { logger: false, abortOnError: false }).catch(async (error: unknown) => {
    await closePlatform(config);
    throw error;
  });
  return { config, app, commands: app.get(CommandBus), queries: app.get(QueryBus), audited: app.get(AuditedCommands, { strict: false }), close: () => app.close() };
}
