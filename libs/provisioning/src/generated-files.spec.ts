import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupSchedule, projectPath } from '@kryonix/platform';
import { GeneratedFiles, backupAlertSeconds } from './generated-files';

/** Runs `promtool test rules` on acme's rules with these test cases; its output, or an error showing what it said. */
function promtoolTest(dir: string, name: string, tests: string[]): string {
  writeFileSync(join(dir, name), ['rule_files: [acme/alert-rules.yml]', 'evaluation_interval: 1m', 'tests:', ...tests, ''].join('\n'));
  try {
    return execFileSync('promtool', ['test', 'rules', name], { encoding: 'utf8', cwd: dir });
  } catch (error) {
    throw new Error(`promtool test rules failed:\n${(error as { stdout?: string }).stdout}${(error as { stderr?: string }).stderr}`);
  }
}

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

  it('staging folders a killed write left are removed by the next write or removal of that tenant, and by a sweep when their process is gone', async () => {
    const dead = 2 ** 22 + 12345; // above the kernel's default pid_max: no such process
    const leftover = (dir: string, id: string, pid: number) => {
      const path = join(dir, `${id}.tmp-${pid}-1700000000000`);
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'sdk.env'), 'half\n');
      return path;
    };
    const staging = join(out, '.staging');
    const forAcme = leftover(staging, 'acme', dead);
    const forOther = leftover(staging, 'other', dead);
    await files.write(model); // a re-run or a repair of acme
    expect(existsSync(forAcme)).toBe(false);
    expect(existsSync(forOther)).toBe(true); // not acme's: not touched under acme's lock
    expect(readdirSync(staging)).toEqual([`other.tmp-${dead}-1700000000000`]);
    await files.remove('other'); // undo or purge of "other"
    expect(existsSync(forOther)).toBe(false);
    // a process starting up: only folders whose writer is gone, also where older versions left them
    const old = leftover(out, 'acme', dead);
    const live = leftover(staging, 'busy', process.pid);
    const removed = await files.sweepStaging();
    expect(removed).toEqual([old]);
    expect(existsSync(live)).toBe(true);
    rmSync(live, { recursive: true });
    expect(readFileSync(join(out, 'acme', 'sdk.env'), 'utf8')).toContain('acme');
  });

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
    const output = promtoolTest(out, 'alerts.test.yml', [
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
    ]);
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

describe('GeneratedFiles with a backup schedule', () => {
  const out = mkdtempSync(join(tmpdir(), 'kx-files-bk-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const model = { id: 'acme', database: 'kryonix_cliente_acme', role: 'cliente_acme_user', schemas: ['crm'], modules: ['crm'], url: 'https://acme.kryonix.com.br' };

  it('the threshold is twice the longest interval of the schedule plus an hour, whatever the day it is computed', () => {
    expect(backupAlertSeconds(undefined)).toBe(0);
    expect(backupAlertSeconds(BackupSchedule.parse('0 3 * * *', 'UTC'))).toBe(2 * 86_400 + 3_600);
    expect(backupAlertSeconds(BackupSchedule.parse('*/15 * * * *', 'America/Sao_Paulo'))).toBe(2 * 900 + 3_600);
    // weekdays only: the longest gap is Friday to Monday
    expect(backupAlertSeconds(BackupSchedule.parse('0 2 * * 1-5', 'UTC'))).toBe(2 * 3 * 86_400 + 3_600);
    // the day the clocks go back is 25 hours long in that zone (New York, in the fixed window measured)
    expect(backupAlertSeconds(BackupSchedule.parse('0 3 * * *', 'America/New_York'))).toBe(2 * 25 * 3_600 + 3_600);
  });

  it('adds the backup rules, which promtool accepts and which fire on a stale or missing backup (promtool test rules)', async () => {
    await new GeneratedFiles(projectPath('provisioning'), out, () => backupAlertSeconds(BackupSchedule.parse('0 3 * * *', 'UTC'))).write(model);
    const rules = join(out, 'acme', 'alert-rules.yml');
    const text = readFileSync(rules, 'utf8');
    expect(text).toContain('kryonix_tenant_last_backup_timestamp_seconds{tenant="acme"} > 176400');
    expect(execFileSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' })).toMatch(/SUCCESS: 5 rules found/);
    const output = promtoolTest(out, 'backup-alerts.test.yml', [
        // one backup at time 0, none after: stale once 49 h (2 × 24 h + 1 h) have passed, plus the 5 minutes of "for"
        '  - interval: 1m',
        '    input_series:',
        `      - series: 'kryonix_tenant_last_backup_timestamp_seconds{tenant="acme"}'`,
        "        values: '0x3100'",
        '    alert_rule_test:',
        '      - eval_time: 49h',
        '        alertname: KryonixTenantBackupStale',
        '        exp_alerts: []',
        '      - eval_time: 49h4m',
        '        alertname: KryonixTenantBackupStale',
        '        exp_alerts: []',
        '      - eval_time: 50h',
        '        alertname: KryonixTenantBackupStale',
        "        exp_alerts: [{ exp_labels: { severity: warning, tenant: acme }, exp_annotations: { summary: \"Tenant acme has no backup newer than 2d 1h (twice the backup schedule's interval plus an hour)\", description: 'The newest backup of tenant acme was taken 2d 2h 0m 0s ago.' } }]",
        '      - eval_time: 50h',
        '        alertname: KryonixTenantBackupMissing',
        '        exp_alerts: []',
        // a backup every day: never stale
        '  - interval: 1m',
        '    input_series:',
        `      - series: 'kryonix_tenant_last_backup_timestamp_seconds{tenant="acme"}'`,
        "        values: '0x1439 86400x1439 172800x1439'",
        '    alert_rule_test:',
        '      - eval_time: 71h',
        '        alertname: KryonixTenantBackupStale',
        '        exp_alerts: []',
        // no backup of the tenant at all: missing once the threshold has passed
        '  - interval: 1m',
        '    input_series:',
        `      - series: 'kryonix_tenant_connections{tenant="acme"}'`,
        "        values: '1x3100'",
        '    alert_rule_test:',
        '      - eval_time: 48h',
        '        alertname: KryonixTenantBackupMissing',
        '        exp_alerts: []',
        '      - eval_time: 50h',
        '        alertname: KryonixTenantBackupMissing',
        "        exp_alerts: [{ exp_labels: { severity: warning, tenant: acme }, exp_annotations: { summary: \"Tenant acme has had no backup for 2d 1h (twice the backup schedule's interval plus an hour)\", description: \"No backup of tenant acme is in the control plane's backup folder.\" } }]",
    ]);
    expect(output).toMatch(/SUCCESS/);
  });
});
