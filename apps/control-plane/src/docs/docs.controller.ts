import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Public, swaggerUiAsset } from '@kryonix/web';

export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');

/**
 * /docs-json (the OpenAPI document) and /docs (Swagger UI, from the
 * swagger-ui-dist package; no CDN). Public: the document holds no data.
 */
@ApiExcludeController()
@Public()
@Controller()
export class DocsController {
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
    const asset = await swaggerUiAsset(file);
    if (!asset) throw new NotFoundException();
    reply.header('content-type', asset.type);
    reply.header('cache-control', 'public, max-age=86400');
    return asset.body;
  }
}
