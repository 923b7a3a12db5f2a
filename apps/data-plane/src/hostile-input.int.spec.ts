import { createTestEnv, hostileCases, rawRequest, sendHostile, serverFaults, TestEnv, type TestCore } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/** Input no client may turn into a 500: refusals with 400/415 that say why, and every route attacked with a corpus. */
let env: TestEnv;
let core: TestCore;
let server: DataPlaneServer;
const keys: Record<string, string> = {};
let leadId: string;

beforeAll(async () => {
  env = await createTestEnv('hostile-dp');
  core = await env.open();
  for (const [id, mode] of [
    ['hx-schema', 'schema'],
    ['hx-db', 'database'],
  ] as const) {
    keys[id] = (await core.provisioner.create({ id, name: id, modules: ['crm', 'agendamento'], mode })).apiKey!;
  }
  // Plain HTTP: what is checked here happens after TLS, and a raw socket is simpler without it.
  server = await startDataPlane({ env: { ...env.env, KRYONIX_LOG_LEVEL: 'silent' }, port: 0 });
  const created = await send('hx-schema', 'POST', '/api/crm/leads', { body: '{"nome":"Maria"}', type: 'application/json' });
  expect(created.status).toBe(201);
  leadId = created.body.id;
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

function send(tenant: string, method: string, target: string | Buffer, init: { body?: string | Buffer; type?: string; headers?: Array<[string, string]> } = {}) {
  return rawRequest({
    port: server.port,
    method,
    target,
    headers: [['host', `${tenant}.kryonix.test`], ['authorization', `Bearer ${keys[tenant]}`], ...(init.type ? [['content-type', init.type] as [string, string]] : []), ...(init.headers ?? [])],
    body: init.body,
  });
}
const invalid = (message: RegExp) => ({ status: 400, body: { error: { code: 'INVALID_INPUT', message: expect.stringMatching(message) } } });

describe.each(['hx-schema', 'hx-db'])('a NUL or bytes that are not UTF-8 are 400 naming the field (%s)', (tenant) => {
  it('in a query value, a path parameter and the URL', async () => {
    expect(await send(tenant, 'GET', '/api/crm/leads?status=a%00b')).toMatchObject(invalid(/query parameter "status" contains a NUL/));
    expect(await send(tenant, 'GET', '/api/crm/leads/a%00b')).toMatchObject(invalid(/path parameter "id" contains a NUL/));
    expect(await send(tenant, 'GET', '/api/crm/leads?status=a%FFb')).toMatchObject(invalid(/percent.*UTF-8|escaped bytes must be UTF-8/));
    expect(await send(tenant, 'GET', '/api/crm/leads?status=%C3%28')).toMatchObject(invalid(/UTF-8/));
    expect(await send(tenant, 'GET', '/api/crm/leads/%FF')).toMatchObject(invalid(/UTF-8/));
    // Not replaced by U+FFFD and served: Node refuses a raw byte outside ASCII in the request line.
    expect((await send(tenant, 'GET', Buffer.from('/api/crm/leads?status=a\xffb', 'latin1'))).status).toBe(400);
  });

  it('in a JSON body of a POST and a PATCH', async () => {
    expect(await send(tenant, 'POST', '/api/crm/leads', { type: 'application/json', body: '{"nome":"a\\u0000b"}' })).toMatchObject(invalid(/^Field "nome" contains a NUL/));
    const row = await send(tenant, 'POST', '/api/crm/leads', { type: 'application/json', body: '{"nome":"ok"}' });
    expect(row.status).toBe(201);
    expect(await send(tenant, 'PATCH', `/api/crm/leads/${row.body.id}`, { type: 'application/json', body: '{"empresa":"x\\u0000"}' })).toMatchObject(invalid(/^Field "empresa" contains a NUL/));
    expect(await send(tenant, 'POST', '/api/crm/leads', { type: 'application/json', body: Buffer.from('{"nome":"a\xffb"}', 'latin1') })).toMatchObject(invalid(/not valid UTF-8/));
    expect(await send(tenant, 'POST', '/api/crm/leads', { type: 'application/json', body: '{"nome":"\\ud800"}' })).toMatchObject(invalid(/^Field "nome" contains a lone UTF-16 surrogate/));
    // a name with accents is no bad byte
    const accented = await send(tenant, 'POST', '/api/crm/leads', { type: 'application/json', body: JSON.stringify({ nome: 'Imóveis ção 😀' }) });
    expect(accented).toMatchObject({ status: 201, body: { nome: 'Imóveis ção 😀' } });
  });
});

describe('bodies and headers', () => {
  it('accepts JSON only: a form or text body is 415', async () => {
    const form = await send('hx-schema', 'POST', '/api/crm/leads', { type: 'application/x-www-form-urlencoded', body: 'nome=x' });
    expect(form).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/x-www-form-urlencoded') } } });
    expect((await send('hx-schema', 'POST', '/api/crm/leads', { type: 'text/plain', body: '{"nome":"x"}' })).status).toBe(415);
    expect((await send('hx-schema', 'POST', '/api/crm/leads', { body: '{"nome":"x"}' })).status).toBe(415);
    expect((await send('hx-schema', 'POST', '/api/crm/leads', { type: 'application/json; charset=utf-16', body: '{"nome":"x"}' })).status).toBe(415);
    expect((await send('hx-schema', 'POST', '/api/crm/leads', { type: 'application/json; charset=utf-8', body: '{"nome":"x"}' })).status).toBe(201);
  });

  it('an empty JSON body is no body; __proto__ and constructor keys are refused saying why', async () => {
    // a DELETE sent with the JSON header and nothing else is served
    const row = await send('hx-schema', 'POST', '/api/crm/leads', { type: 'application/json', body: '{"nome":"gone"}' });
    expect((await send('hx-schema', 'DELETE', `/api/crm/leads/${row.body.id}`, { type: 'application/json' })).status).toBe(204);
    expect(await send('hx-schema', 'POST', '/api/crm/leads', { type: 'application/json' })).toMatchObject(invalid(/must be a JSON object/));
    for (const body of ['{"nome":"x","__proto__":{"a":1}}', '{"nome":"x","constructor":{"prototype":{"a":1}}}', '{"nome":{"constructor":1}}']) {
      expect(await send('hx-schema', 'POST', '/api/crm/leads', { type: 'application/json', body })).toMatchObject(invalid(/(__proto__|constructor)" is refused: .*prototype/));
    }
    expect(await send('hx-schema', 'POST', '/api/crm/leads', { type: 'application/json', body: '{"nome":' })).toMatchObject(invalid(/^The body is not valid JSON/));
  });

  it('two Host headers, or Authorization and X-API-Key with different keys, are 400', async () => {
    expect(await send('hx-schema', 'GET', '/api/crm/leads', { headers: [['host', 'hx-db.kryonix.test']] })).toMatchObject(invalid(/host header is given more than once/));
    expect(await send('hx-schema', 'GET', '/api/crm/leads', { headers: [['x-api-key', keys['hx-db']!]] })).toMatchObject(invalid(/Authorization and X-API-Key carry different keys/));
    expect(await send('hx-schema', 'GET', '/api/crm/leads', { headers: [['authorization', 'Bearer sk_hx-schema_other']] })).toMatchObject(invalid(/authorization header is given more than once/));
    // the same key in both is not ambiguous
    expect((await send('hx-schema', 'GET', '/api/crm/leads', { headers: [['x-api-key', keys['hx-schema']!]] })).status).toBe(200);
  });
});

describe('every route, attacked', () => {
  it('answers every hostile value in path, query, body and headers without a 5xx', async () => {
    const routes = server.routes;
    // the route table is the server's own, so a route added later is attacked too
    expect(routes).toEqual(expect.arrayContaining([
      { method: 'GET', url: '/api/:module/:table' },
      { method: 'POST', url: '/api/:module/:table' },
      { method: 'PATCH', url: '/api/:module/:table/:id' },
      { method: 'DELETE', url: '/api/:module/:table/:id' },
      { method: 'GET', url: '/healthz' },
      { method: 'GET', url: '/openapi.json' },
      { method: 'GET', url: '/docs' },
      { method: 'GET', url: '/docs/assets/:file' },
    ]));
    const target = {
      port: server.port,
      routes,
      headers: [['host', 'hx-schema.kryonix.test'], ['authorization', `Bearer ${keys['hx-schema']}`]] as const,
      params: { module: 'crm', table: 'leads', id: leadId, file: 'swagger-ui.css' },
      queryNames: ['status', 'limit', 'cursor', 'order', 'email', 'q', 'score[gte]', 'status[in]', 'created_at[lt]', 'orcamento[lte]', 'id[in]'],
      fields: ['id', 'nome', 'email', 'score', 'orcamento', 'prefere_whatsapp', 'proximo_follow_up', 'responsavel_id'],
    };
    const cases = hostileCases(target);
    // agendamento's typed columns: dates, times, JSONB, POINT, INTERVAL
    cases.push(...hostileCases({ ...target, params: { module: 'agendamento', table: 'consultas' }, parts: ['body'], routes: routes.filter((r) => r.method === 'POST'), fields: ['data_consulta', 'hora_inicio', 'localizacao_cliente'] }));
    cases.push(...hostileCases({ ...target, params: { module: 'agendamento', table: 'profissionais' }, parts: ['body'], routes: routes.filter((r) => r.method === 'POST'), fields: ['dias_trabalho', 'horario_inicio'] }));
    cases.push(...hostileCases({ ...target, params: { module: 'agendamento', table: 'lembretes' }, parts: ['body'], routes: routes.filter((r) => r.method === 'POST'), fields: ['enviar_quando'] }));
    const outcomes = await sendHostile(target, cases);
    expect(serverFaults(outcomes)).toEqual([]);
    // the corpus reached the handlers: the sane list was served, hostile values were refused as input
    const baseline = outcomes.find((o) => o.case.what === 'baseline' && o.case.route.method === 'GET' && o.case.route.url === '/api/:module/:table');
    expect(baseline?.status).toBe(200);
    expect(outcomes.filter((o) => o.status === 400).length).toBeGreaterThan(cases.length / 3);
    expect((await send('hx-schema', 'GET', '/healthz')).status).toBe(200);
  });

  it('the metrics listener (plain HTTP, its own port) answers the same corpus without a 5xx', async () => {
    const target = {
      port: server.metrics.port,
      routes: [{ method: 'GET', url: '/metrics' }, { method: 'POST', url: '/metrics' }, { method: 'GET', url: '/api/:module/:table' }],
      headers: [['host', 'localhost']] as const,
      params: { module: 'crm', table: 'leads' },
      queryNames: ['name'],
      fields: ['x'],
    };
    const outcomes = await sendHostile(target, hostileCases(target));
    expect(serverFaults(outcomes)).toEqual([]);
    expect(outcomes.find((o) => o.case.what === 'baseline' && o.case.route.method === 'GET' && o.case.route.url === '/metrics')?.status).toBe(200);
    expect(outcomes.find((o) => o.case.what === 'baseline' && o.case.route.url === '/api/:module/:table')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(outcomes.filter((o) => o.status === 400).length).toBeGreaterThan(10);
  });
});
