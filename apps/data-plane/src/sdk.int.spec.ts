import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '@kryonix/platform';
import { FetchLike, KryonixApiError, KryonixSDK, Lead } from '@kryonix/sdk';
import { createTestEnv, rejection, TestEnv, type TestCore } from '@kryonix/testing';
import { DataPlaneServer, startDataPlane } from './server';

/**
 * The SDK end to end against a real data plane over HTTPS. The SDK is given a
 * fetch built on node:https that trusts the test's self-signed certificate and
 * connects to 127.0.0.1 whatever the host name, keeping the URL's host in the
 * Host header and in SNI: what DNS and a public certificate do in production.
 */
let env: TestEnv;
let core: TestCore;
let server: DataPlaneServer;
let ca: string;
const keys: Record<string, string> = {};
const requested: string[] = [];

function localFetch(trusted: string): FetchLike {
  return (url, init) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      requested.push(`${init.method} ${target.host}${target.pathname}${target.search}`);
      const req = request(
        {
          host: '127.0.0.1',
          port: Number(target.port || 443),
          method: init.method,
          path: `${target.pathname}${target.search}`,
          servername: target.hostname,
          ca: trusted,
          headers: { ...init.headers, host: target.host, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            resolve({
              status,
              ok: status >= 200 && status < 300,
              headers: { get: (name: string) => { const v = res.headers[name.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v); } },
              text: async () => text,
              json: async () => JSON.parse(text),
            } as Awaited<ReturnType<FetchLike>>);
          });
        },
      );
      req.on('error', reject);
      if (init.body !== undefined) req.write(init.body);
      req.end();
    });
}

const sdk = (tenant: string, extra: { apiKey?: string; baseUrl?: string } = {}) =>
  new KryonixSDK({ apiKey: extra.apiKey ?? keys[tenant], baseUrl: extra.baseUrl, baseDomain: 'kryonix.test', port: server.port, fetch: localFetch(ca) });

const failure = (promise: Promise<unknown>) => rejection(promise, KryonixApiError);

beforeAll(async () => {
  env = await createTestEnv('sdk');
  const tls = await ensureSelfSignedCertificate(join(env.home, 'tls'), 'kryonix.test');
  ca = readFileSync(tls.cert, 'utf8');
  core = await env.open();
  for (const [id, modules, mode] of [
    ['sdk-alpha', ['crm', 'agendamento'], 'schema'],
    ['sdk-beta', ['crm'], 'database'],
  ] as const) {
    keys[id] = (await core.provisioner.create({ id, name: id, modules: [...modules], mode })).apiKey!;
  }
  server = await startDataPlane({
    env: { ...env.env, KRYONIX_TLS_CERT: tls.cert, KRYONIX_TLS_KEY: tls.key, KRYONIX_BASE_DOMAIN: 'kryonix.test', KRYONIX_LOG_LEVEL: 'silent' },
    port: 0,
  });
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

describe('KryonixSDK against the data plane', () => {
  it('creates, lists with a filter, gets, updates and removes a lead', async () => {
    const kryonix = sdk('sdk-alpha');
    expect(kryonix.baseUrl).toBe(`https://sdk-alpha.kryonix.test:${server.port}`);
    const lead: Lead = await kryonix.crm.leads.create({ nome: 'Maria Silva', telefone: '11999990000', score: 80, orcamento: 1500.5 });
    expect(lead).toMatchObject({ nome: 'Maria Silva', status: 'novo', score: 80, orcamento: '1500.50', dispositivo_origem: 'mobile', prefere_whatsapp: true, email: null });
    expect(lead.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requested).toContain(`POST sdk-alpha.kryonix.test:${server.port}/api/crm/leads`);

    const novos = await kryonix.crm.leads.list({ status: 'novo' });
    expect(novos.items.map((l) => l.id)).toEqual([lead.id]);
    expect(novos.nextCursor).toBeNull();
    expect((await kryonix.crm.leads.list({ status: 'cliente' })).items).toEqual([]);

    expect(await kryonix.crm.leads.get(lead.id)).toEqual(lead);
    const updated = await kryonix.crm.leads.update(lead.id, { status: 'cliente', orcamento: '2000.00' });
    expect(updated).toMatchObject({ id: lead.id, nome: 'Maria Silva', status: 'cliente', orcamento: '2000.00' });
    expect((await kryonix.crm.leads.list({ status: 'cliente' })).items.map((l) => l.nome)).toEqual(['Maria Silva']);

    await expect(kryonix.crm.leads.remove(lead.id)).resolves.toBeUndefined();
    expect(await failure(kryonix.crm.leads.get(lead.id))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await failure(kryonix.crm.leads.remove(lead.id))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('pages: list with limit and cursor, listAll over every page, order', async () => {
    const kryonix = sdk('sdk-alpha');
    for (let i = 0; i < 7; i++) await kryonix.crm.leads.create({ nome: `Lead ${i}`, fonte: 'paging', status: 'qualificado' });
    await kryonix.crm.leads.create({ nome: 'Other', fonte: 'site' });

    const first = await kryonix.crm.leads.list({ fonte: 'paging' }, { limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await kryonix.crm.leads.list({ fonte: 'paging' }, { limit: 3, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(3);
    expect(second.items.some((l) => first.items.some((f) => f.id === l.id))).toBe(false);

    requested.length = 0;
    const names: string[] = [];
    for await (const lead of kryonix.crm.leads.listAll({ fonte: 'paging' }, { limit: 3 })) names.push(lead.nome);
    expect(names.sort()).toEqual(['Lead 0', 'Lead 1', 'Lead 2', 'Lead 3', 'Lead 4', 'Lead 5', 'Lead 6']);
    expect(requested).toHaveLength(3); // pages of 3, 3 and 1
    const sizes: number[] = [];
    for await (const page of kryonix.crm.leads.pages({ fonte: 'paging', status: 'qualificado' }, { limit: 3, order: '-created_at' })) sizes.push(page.items.length);
    expect(sizes).toEqual([3, 3, 1]);

    const ordered: string[] = [];
    for await (const lead of kryonix.crm.leads.listAll({ fonte: 'paging' }, { limit: 2, order: 'created_at' })) ordered.push(lead.nome);
    expect(ordered).toEqual(['Lead 0', 'Lead 1', 'Lead 2', 'Lead 3', 'Lead 4', 'Lead 5', 'Lead 6']);
    expect((await kryonix.crm.leads.list({ fonte: 'paging' }, { limit: 1, order: '-created_at' })).items[0].nome).toBe('Lead 6');
  });

  it('409 ROW_CONFLICT for two consultas of a professional at the same date and time; 422 for a missing reference', async () => {
    const { agendamento } = sdk('sdk-alpha');
    const profissional = await agendamento.profissionais.create({ nome: 'Dra. Ana', especialidade: 'Dermatologia' });
    expect(profissional).toMatchObject({ nome: 'Dra. Ana', ativo: true, horario_inicio: '08:00:00', dias_trabalho: ['1', '2', '3', '4', '5'] });
    const consulta = { profissional_id: profissional.id, cliente_nome: 'João', cliente_telefone: '11988887777', data_consulta: '2026-12-01', hora_inicio: '14:00', hora_fim: '14:30' };
    const first = await agendamento.consultas.create({ ...consulta, valor: 250, localizacao_cliente: { x: -46.63, y: -23.55 } });
    expect(first).toMatchObject({ data_consulta: '2026-12-01', hora_inicio: '14:00:00', status: 'agendado', valor: '250.00', localizacao_cliente: { x: -46.63, y: -23.55 } });

    const conflict = await failure(agendamento.consultas.create(consulta));
    expect(conflict).toMatchObject({ status: 409, code: 'ROW_CONFLICT', name: 'KryonixApiError' });
    expect(conflict.message).toContain('unique_profissional_datetime');
    const orphan = await failure(agendamento.consultas.create({ ...consulta, profissional_id: '00000000-0000-0000-0000-000000000000', hora_inicio: '15:00' }));
    expect(orphan).toMatchObject({ status: 422, code: 'UNPROCESSABLE' });

    expect((await agendamento.consultas.list({ profissional_id: profissional.id, data_consulta: '2026-12-01' })).items.map((c) => c.id)).toEqual([first.id]);
    const lembrete = await agendamento.lembretes.create({ consulta_id: first.id, tipo: 'whatsapp', enviar_quando: '1 day', data_envio_calculada: '2026-11-30T14:00:00' });
    expect(lembrete).toMatchObject({ enviar_quando: { days: 1 }, data_envio_calculada: '2026-11-30 14:00:00', enviado: false, sucesso: null });
  });

  it('400 INVALID_INPUT with the data plane message', async () => {
    const { crm } = sdk('sdk-alpha');
    const missing = await failure(crm.leads.create({ email: 'a@b.c' } as never));
    expect(missing).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    expect(missing.message).toContain('Missing required field: nome');
    expect((await failure(crm.leads.list({ nome: 'x' } as never))).message).toContain('Cannot filter crm.leads by "nome"');
    expect(await failure(crm.leads.list({}, { limit: 101 }))).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
  });

  it('404 MODULE_NOT_AVAILABLE for a module the tenant did not buy', async () => {
    const beta = sdk('sdk-beta');
    expect((await beta.crm.leads.list()).items).toEqual([]);
    expect(await failure(beta.agendamento.consultas.list())).toMatchObject({ status: 404, code: 'MODULE_NOT_AVAILABLE' });
    expect(await failure(beta.financeiro.planos.create({ nome: 'Pro' }))).toMatchObject({ status: 404, code: 'MODULE_NOT_AVAILABLE' });
    expect(await failure(sdk('sdk-alpha').whatsapp.contatos.list())).toMatchObject({ status: 404, code: 'MODULE_NOT_AVAILABLE' });
  });

  it('401 for a wrong key, 403 for the key of another tenant, 404 for an unknown tenant', async () => {
    const wrong = sdk('sdk-alpha', { apiKey: `sk_sdk-alpha_${'0'.repeat(32)}` });
    expect(wrong.tenantId).toBe('sdk-alpha');
    expect(await failure(wrong.crm.leads.list())).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    const alphaUrl = `https://sdk-alpha.kryonix.test:${server.port}`;
    expect(await failure(sdk('sdk-beta', { baseUrl: alphaUrl }).crm.leads.list())).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(await failure(sdk('x', { apiKey: `sk_sdk-nobody_${'0'.repeat(32)}` }).crm.leads.list())).toMatchObject({ status: 404, code: 'TENANT_NOT_FOUND' });
    expect(() => sdk('x', { apiKey: 'not-a-key' })).toThrow(KryonixApiError);
  });

  it('NETWORK when the data plane cannot be reached', async () => {
    const kryonix = sdk('sdk-alpha', { baseUrl: 'https://sdk-alpha.kryonix.test:1' });
    expect(await failure(kryonix.crm.leads.list())).toMatchObject({ status: 0, code: 'NETWORK' });
  });
});
