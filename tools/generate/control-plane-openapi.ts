import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { ModuleCatalog } from '@kryonix/modules';
import { ApiDocsModule } from '../../apps/control-plane/src/docs/api-docs.module';
import { controlPlaneOpenApi } from '../../apps/control-plane/src/docs/openapi.document';

/** docs/openapi/control-plane.json: what the control plane serves at /docs-json, made from its controllers without starting it. */
export async function renderControlPlaneOpenApi(catalog: ModuleCatalog): Promise<string> {
  const app = await NestFactory.create(ApiDocsModule, new FastifyAdapter(), { logger: false, abortOnError: false });
  try {
    return JSON.stringify(controlPlaneOpenApi(app, catalog.names()), null, 2) + '\n';
  } finally {
    await app.close();
  }
}
