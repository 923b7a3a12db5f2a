import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { KryonixConfig, loadConfig } from '@kryonix/platform';
import { KryonixRuntime, openRuntime } from '@kryonix/tenants';
import { TenantsModule } from '@kryonix/tenants';

export interface Core {
  commands: CommandBus;
  queries: QueryBus;
  runtime: KryonixRuntime;
}

/** Opens the runtime (starting the embedded PostgreSQL when needed), runs `fn`, and closes everything. */
export async function withCore<R>(fn: (core: Core) => Promise<R>, config: KryonixConfig = loadConfig()): Promise<R> {
  const runtime = await openRuntime(config);
  try {
    const app = await NestFactory.createApplicationContext(TenantsModule.forRuntime(runtime), { logger: false, abortOnError: false });
    try {
      return await fn({ commands: app.get(CommandBus), queries: app.get(QueryBus), runtime });
    } finally {
      await app.close();
    }
  } finally {
    await runtime.close();
  }
}
