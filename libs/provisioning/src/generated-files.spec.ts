import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '@kryonix/platform';
import { GeneratedFiles } from './generated-files';

describe('GeneratedFiles', () => {
  const out = mkdtempSync(join(tmpdir(), 'kx-files-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const files = new GeneratedFiles(projectPath('provisioning'), out);
  const model = {
    id: 'acme',
    database: 'kryonix_cliente_acme',
    role: 'cliente_acme_user',
    schemas: ['crm', 'whatsapp'],
    modules: ['crm', 'whatsapp'],
    url: 'https://acme.kryonix.com.br',
  };

  it('writes the source monitoring YAML', async () => {
    await files.write(model);
    expect(readFileSync(join(out, 'acme', 'monitoring.yml'), 'utf8')).toContain(
      ['cliente_id: acme', 'database: kryonix_cliente_acme', 'user: cliente_acme_user', 'schemas: [crm, whatsapp]', 'alertas:', '  - connections_max: 50', '  - query_time_max: 10s', '  - storage_usage_max: 80%'].join('\n'),
    );
  });

  it('is deterministic', async () => {
    const first = readFileSync(join(out, 'acme', 'alert-rules.yml'), 'utf8');
    await files.write(model);
    expect(readFileSync(join(out, 'acme', 'alert-rules.yml'), 'utf8')).toBe(first);
  });

  it('writes Prometheus rules that promtool accepts, naming the product metrics', () => {
    const rules = join(out, 'acme', 'alert-rules.yml');
    const text = readFileSync(rules, 'utf8');
    for (const metric of ['kryonix_tenant_connections', 'kryonix_tenant_longest_query_seconds', 'kryonix_tenant_storage_bytes', 'kryonix_tenant_storage_quota_bytes']) expect(text).toContain(metric);
    const output = execFileSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
    expect(output).toMatch(/SUCCESS: 3 rules found/);
  });

  it('the three alerts fire on the thresholds of the source (promtool test rules)', () => {
    const test = join(out, 'alerts.test.yml');
    writeFileSync(
      test,
      [
        'rule_files: [acme/alert-rules.yml]',
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        `      - series: 'kryonix_tenant_connections{tenant="acme"}'`,
        "        values: '10 60 60 60 60'",
        `      - series: 'kryonix_tenant_longest_query_seconds{tenant="acme"}'`,
        "        values: '1 30 30 30'",
        `      - series: 'kryonix_tenant_storage_bytes{tenant="acme"}'`,
        "        values: '900x20'",
        `      - series: 'kryonix_tenant_storage_quota_bytes{tenant="acme"}'`,
        "        values: '1000x20'",
        '    alert_rule_test:',
        '      - eval_time: 0m',
        '        alertname: KryonixTenantConnectionsHigh',
        '        exp_alerts: []',
        '      - eval_time: 4m',
        '        alertname: KryonixTenantConnectionsHigh',
        "        exp_alerts: [{ exp_labels: { severity: warning, tenant: acme }, exp_annotations: { summary: 'Tenant acme has more than 50 open database connections', description: '60 connections to kryonix_cliente_acme for tenant acme.' } }]",
        '      - eval_time: 3m',
        '        alertname: KryonixTenantSlowQuery',
        "        exp_alerts: [{ exp_labels: { severity: warning, tenant: acme }, exp_annotations: { summary: 'Tenant acme has a query running longer than 10 s', description: 'The longest running query of tenant acme has run 30 seconds.' } }]",
        '      - eval_time: 15m',
        '        alertname: KryonixTenantStorageHigh',
        "        exp_alerts: [{ exp_labels: { severity: warning, tenant: acme }, exp_annotations: { summary: 'Tenant acme uses more than 80% of its storage quota', description: 'Tenant acme storage is at 0.9 of its quota.' } }]",
        '',
      ].join('\n'),
    );
    const output = execFileSync('promtool', ['test', 'rules', test], { encoding: 'utf8', cwd: out });
    expect(output).toMatch(/SUCCESS/);
  });

  it('writes the SDK .env readable by its owner only, without secrets', () => {
    const env = join(out, 'acme', 'sdk.env');
    expect(statSync(env).mode & 0o777).toBe(0o600);
    const text = readFileSync(env, 'utf8');
    expect(text).toContain('CLIENTE_ID=acme');
    expect(text).toContain('MODULOS_ATIVADOS=crm,whatsapp');
    expect(text).not.toMatch(/PASSWORD|API_KEY=sk_/);
  });

  it('removes a tenant folder', async () => {
    await files.remove('acme');
    expect(() => statSync(join(out, 'acme'))).toThrow();
  });
});
