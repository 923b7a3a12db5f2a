import { Controller, Get, Header, Param, Req, Res, UseGuards } from '@nestjs/common';
import { NotFound } from '@kryonix/domain';
import { swaggerUiAsset } from '@kryonix/web';
import { TenantGuard } from '../routing/tenant.guard';
import type { TenantRequest } from '../routing/tenant.guard';
import { TenantOpenApi } from './tenant-openapi';

/**
 * /openapi.json: the tenant's own API (the tables of the modules it bought), behind its API
 * key like /api, since it shows the tenant's table shapes. /docs: a page that holds no
 * tenant data; it asks for the key and loads /openapi.json with it into Swagger UI, whose
 * "Try it out" then sends the same key.
 */
@Controller()
export class ApiDocsController {
  constructor(private readonly openApi: TenantOpenApi) {}

  @Get('openapi.json')
  @UseGuards(TenantGuard)
  document(@Req() req: TenantRequest) {
    return this.openApi.forTenant(req.tenant!);
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(): string {
    return DOCS_PAGE;
  }

  @Get('docs/assets/:file')
  async asset(@Param('file') file: string, @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown }): Promise<Buffer> {
    const asset = await swaggerUiAsset(file);
    if (!asset) throw new NotFound(`No docs asset "${file.slice(0, 60)}".`);
    reply.header('content-type', asset.type);
    reply.header('cache-control', 'public, max-age=86400');
    return asset.body;
  }
}

// The key stays in this tab (sessionStorage) and goes only to this origin, in the Authorization header.
const DOCS_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Kryonix data plane API</title>
<meta name="referrer" content="no-referrer">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<style>body{margin:0;font-family:sans-serif}form{padding:12px 20px;background:#f4f4f4;display:flex;gap:8px;align-items:center}input{flex:1;max-width:420px;padding:6px}#error{color:#b00}</style></head>
<body>
<form id="key-form"><label for="key">API key of this tenant</label><input id="key" type="password" autocomplete="off" placeholder="sk_…" required><button type="submit">Show the API</button><span id="error"></span></form>
<div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
(function () {
  var form = document.getElementById('key-form'), input = document.getElementById('key'), error = document.getElementById('error');
  function show(key) {
    fetch('/openapi.json', { headers: { authorization: 'Bearer ' + key } }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error((body.error && body.error.message) || ('HTTP ' + res.status));
        sessionStorage.setItem('kryonix-api-key', key);
        error.textContent = '';
        window.ui = SwaggerUIBundle({ spec: body, dom_id: '#ui', requestInterceptor: function (req) { req.headers.Authorization = 'Bearer ' + key; return req; } });
      });
    }).catch(function (e) { error.textContent = e.message; });
  }
  form.addEventListener('submit', function (event) { event.preventDefault(); show(input.value.trim()); });
  var saved = sessionStorage.getItem('kryonix-api-key');
  if (saved) show(saved);
})();
</script>
</body></html>
`;
