import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { ParameterObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { componentSchemas } from './openapi.schemas';

/**
 * The control plane's OpenAPI document: the routes of the application's controllers,
 * the schemas of openapi.schemas.ts, the modules of the catalog. The served /docs-json
 * and docs/openapi/control-plane.json (npm run generate) are both made by this function,
 * and are the same: paths and schemas sorted, nothing of the machine or the moment.
 */
export function controlPlaneOpenApi(app: INestApplication, moduleNames: readonly string[]): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Kryonix control plane')
      .setDescription('Tenant lifecycle over HTTP. Errors: `{ "error": { "code", "message" } }`. Auth: `Authorization: Bearer <KRYONIX_OPERATOR_TOKEN>`.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
    // Nothing from a class name as a bundle has it (esbuild renames a class it has seen
    // twice, HealthController2): operation ids less those digits, no tags made from names.
    { operationIdFactory: (controller, method) => `${controller.replace(/\d+$/, '')}_${method}`, autoTagControllers: false },
  );
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Array<{ parameters?: unknown[] }>) {
      if (Array.isArray(operation?.parameters)) operation.parameters = withoutHeaderEchoes(operation.parameters as ParameterObject[]);
    }
  }
  return {
    ...document,
    paths: sorted(document.paths),
    components: { ...document.components, schemas: { ...sorted(document.components?.schemas ?? {}), ...componentSchemas(moduleNames) } },
  };
}

/**
 * Header names are case-insensitive: a @Headers('prefer') parameter the explorer found
 * (only when the build emitted String as its design type: bundles do, ts-jest does not)
 * is the documented @ApiHeader 'Prefer'; keep the documented one only.
 */
function withoutHeaderEchoes(parameters: ParameterObject[]): ParameterObject[] {
  const documented = new Set(parameters.filter((p) => p.in === 'header' && p.description).map((p) => p.name.toLowerCase()));
  return parameters.filter((p) => p.in !== 'header' || p.description || !documented.has(p.name.toLowerCase()));
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
