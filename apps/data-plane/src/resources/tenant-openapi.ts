import { readFile } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigurationError } from '@kryonix/domain';
import { KRYONIX_CONFIG, type KryonixConfig, projectPath, tenantUrl } from '@kryonix/platform';
import type { TenantRoute } from '@kryonix/routes';

/** docs/openapi/data-plane.json: made from every module's manifest and real columns by `npm run generate`. */
export const DATA_PLANE_OPENAPI = projectPath('docs', 'openapi', 'data-plane.json');

type Json = Record<string, unknown>;

/**
 * Each tenant's own OpenAPI document: the generated one with only the paths, tags and
 * schemas of the modules the tenant bought, and the tenant's URL as its server. The
 * generated file is read once; the cut is made once per set of modules.
 */
@Injectable()
export class TenantOpenApi {
  private document?: Promise<Json>;
  private readonly cuts = new Map<string, Json>();

  constructor(@Inject(KRYONIX_CONFIG) private readonly settings: KryonixConfig) {}

  async forTenant(route: TenantRoute): Promise<Json> {
    const modules = Object.keys(route.schemas).sort();
    const key = modules.join(',');
    let cut = this.cuts.get(key);
    if (!cut) {
      cut = only(await this.generated(), modules);
      if (this.cuts.size < 1000) this.cuts.set(key, cut);
    }
    const info = cut.info as Json;
    return { ...cut, info: { ...info, title: `${String(info.title)}: ${route.id}` }, servers: [{ url: tenantUrl(this.settings, route.id) }] };
  }

  private generated(): Promise<Json> {
    this.document ??= readFile(DATA_PLANE_OPENAPI, 'utf8').then(
      (text) => JSON.parse(text) as Json,
      (error: NodeJS.ErrnoException) => {
        this.document = undefined; // read again next time
        throw new ConfigurationError(`The data plane's OpenAPI document ${DATA_PLANE_OPENAPI} cannot be read (${error.code ?? error.message}); run npm run generate.`);
      },
    );
    return this.document;
  }
}

/** The document cut to the modules' paths (/api/<module>/…), their tags and the component schemas those reach. */
export function only(document: Json, modules: readonly string[]): Json {
  const paths = Object.fromEntries(Object.entries(document.paths as Json).filter(([path]) => modules.includes(path.split('/')[2] ?? '')));
  const components = document.components as Json & { schemas: Json };
  const schemas: Json = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        const name = key === '$ref' && typeof value === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(value)?.[1] : undefined;
        if (name !== undefined && !(name in schemas)) {
          schemas[name] = components.schemas[name];
          visit(schemas[name]);
        } else visit(value);
      }
    }
  };
  visit(paths);
  visit(components.responses);
  const sorted = Object.fromEntries(Object.keys(components.schemas).filter((n) => n in schemas).map((n) => [n, schemas[n]]));
  const tags = (document.tags as Array<{ name: string }>).filter((t) => modules.includes(t.name));
  return { ...document, tags, paths, components: { ...components, schemas: sorted } };
}
