import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Public } from '@kryonix/web';

export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');
const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.png': 'image/png' };
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png']);

/**
 * /docs-json (the OpenAPI document) and /docs (Swagger UI, from the
 * swagger-ui-dist package; no CDN). Public: the document holds no data.
 */
@ApiExcludeController()
@Public()
@Controller()
export class DocsController {
  private readonly assetsDir = dirname(require.resolve('swagger-ui-dist/package.json'));

  constructor(@Inject(OPENAPI_DOCUMENT) private readonly document: () => OpenAPIObject) {}

  @Get('docs-json')
  json(): OpenAPIObject {
    return this.document();
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return `<!doctype html>
<html><head><meta charset="utf-8"><title>Kryonix control plane API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/docs-json', dom_id: '#ui', persistAuthorization: true });</script>
</body></html>`;
  }

  @Get('docs/assets/:file')
  async asset(@Param('file') file: string, @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown }): Promise<Buffer> {
    if (!ASSETS.has(file)) throw new NotFoundException();
    reply.header('content-type', TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream');
    reply.header('cache-control', 'public, max-age=86400');
    return readFile(join(this.assetsDir, file));
  }
}
