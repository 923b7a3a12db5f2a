import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { projectPath } from '@kryonix/platform';
import { createTestEnv, inspectPage, launchChromium, TestBrowser, TestEnv, withAdmin } from '@kryonix/testing';
import { ControlPlaneServer, startControlPlane } from '../server';

/**
 * The operator console in a real browser (Debian's Chromium driven by playwright-core):
 * sign in, create a tenant with the keyboard alone and watch its steps, its key once and
 * never again, suspend, change modules, rotate the key, follow a migration rollout (one
 * tenant's data breaks the new version: its SQL error is shown), queue a drift check,
 * restore a backup from the Fleet page, sign out. Every page is checked
 * with axe-core and at 390 px, and photographed (test-output/console-screenshots/).
 */
const TOKEN = 'console-browser-token-0123456789';
let env: TestEnv;
let server: ControlPlaneServer;
let browser: TestBrowser;
let page: Page;
const problems: string[] = [];
const modulesDir = mkdtempSync(join(tmpdir(), 'kx-console-modules-'));

beforeAll(async () => {
  cpSync(projectPath('sql', 'modules'), modulesDir, { recursive: true });
  env = await createTestEnv('consolebr');
  // two tenants at crm's current version, then a new crm version that one tenant's data breaks
  const v1 = await env.open({ KRYONIX_MODULES_DIR: modulesDir });
  await v1.provisioner.create({ id: 'cb-good', name: 'Good', modules: ['crm'], mode: 'database' });
  await v1.provisioner.create({ id: 'cb-bad', name: 'Bad', modules: ['crm'], mode: 'schema' });
  await withAdmin((c) => c.query(`INSERT INTO cb_bad_crm.leads (nome, email) VALUES ('a', 'same@x.com'), ('b', 'same@x.com')`), 'kryonix_tenants');
  writeFileSync(join(modulesDir, 'crm', '0003_email_unique.sql.hbs'), `ALTER TABLE {{schema}}.leads ADD COLUMN canal_preferido varchar(20);\nALTER TABLE {{schema}}.leads ADD CONSTRAINT leads_email_unique UNIQUE (email);\n`);
  server = await startControlPlane({
    env: { ...env.env, KRYONIX_MODULES_DIR: modulesDir, KRYONIX_OPERATOR_TOKEN: TOKEN, KRYONIX_LOG_LEVEL: 'silent', KRYONIX_WORKER_INTERVAL_MS: '0', KRYONIX_METRICS_INTERVAL_MS: '0', KRYONIX_JOB_POLL_MS: '100' },
    port: 0,
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await env?.cleanup();
  rmSync(modulesDir, { recursive: true, force: true });
});

const at = (path: string) => `${server.url}${path}`;
const activeId = () => page.evaluate<string>('document.activeElement ? document.activeElement.id || document.activeElement.textContent.trim() : ""');

/** Presses Tab until the element with this id (or this text, for a button) has the focus. */
async function tabTo(target: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if ((await activeId()) === target) return;
  }
  throw new Error(`Tab never reached ${target}`);
}

describe('operator console in Chromium', () => {
  it('signs in, then creates a tenant with the keyboard alone and watches its steps arrive; the key is shown once', async () => {
    await page.goto(at('/console/tenants'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    problems.push(...(await inspectPage(page, 'sign-in')));
    await page.fill('#token', 'not-the-token-0000000');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=That is not the operator token.');
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/tenants$/);
    expect(page.url()).not.toContain(TOKEN);
    problems.push(...(await inspectPage(page, 'tenants-empty')));

    // the New tenant form, by keyboard: a bad id first (the use case's message next to the field)
    await page.goto(at('/console/tenants/new'));
    problems.push(...(await inspectPage(page, 'new-tenant')));
    await tabTo('id');
    await page.keyboard.type('Bad_Id');
    await tabTo('name');
    await page.keyboard.type('Bad Id Ltda');
    await tabTo('module-crm');
    await page.keyboard.press('Space');
    await tabTo('Create tenant');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#id-error');
    expect(await page.textContent('#id-error')).toMatch(/Invalid tenant id "Bad_Id"/);
    expect(await page.getAttribute('#id', 'aria-invalid')).toBe('true');
    expect(await page.isChecked('#module-crm')).toBe(true);
    problems.push(...(await inspectPage(page, 'new-tenant-errors')));

    await page.focus('#id');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('acme-br');
    await tabTo('Create tenant');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/tenants\/new\/runs\//);
    await page.waitForSelector('#outcome:not([hidden])', { timeout: 90_000 });
    const steps = await page.$$eval('#steps li', (items) => items.map((li) => li.textContent ?? ''));
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expect(steps.every((s) => s.includes('sucesso'))).toBe(true);
    expect(steps.map((s) => s.split(' — ')[0])).toContain('create_role');
    const key = (await page.textContent('#api-key'))!.trim();
    expect(key).toMatch(/^sk_acme-br_[0-9a-f]{32}$/);
    expect(await page.isVisible('button[data-copy="api-key"]')).toBe(true);
    problems.push(...(await inspectPage(page, 'create-run')));

    // never again: the run page reloaded, the tenant page
    await page.reload();
    await page.waitForSelector('#outcome:not([hidden])');
    expect(await page.isVisible('#key-box')).toBe(false);
    expect(await page.textContent('#outcome-text')).toContain('shown once already');
    expect(await page.content()).not.toContain(key);
    await page.goto(at('/console/tenants/acme-br'));
    expect(await page.content()).not.toContain(key);
    // only the key's prefix is shown, in the API keys table
    const prefixes = await page.$$eval('section[aria-labelledby="keys-title"] code', (codes) => codes.map((c) => (c.textContent ?? '').replace('…', '')));
    expect(prefixes).toHaveLength(1);
    expect(key.startsWith(prefixes[0]!) && prefixes[0]!.length < key.length).toBe(true);
    problems.push(...(await inspectPage(page, 'tenant')));
  });

  it('suspends behind a confirmation naming the tenant, changes its modules, rotates its key (shown once)', async () => {
    await page.goto(at('/console/tenants/acme-br'));
    await page.click('text=Suspend…');
    expect(await page.textContent('h1')).toBe('Suspend acme-br');
    problems.push(...(await inspectPage(page, 'confirm-suspend')));
    await page.click('button:has-text("Suspend acme-br")');
    await page.waitForSelector('#tenant-status:has-text("suspended")');
    await page.click('text=Resume…');
    await page.click('button:has-text("Resume acme-br")');
    await page.waitForSelector('#tenant-status:has-text("active")');

    await page.click('text=Change modules…');
    problems.push(...(await inspectPage(page, 'confirm-modules')));
    await page.check('#module-financeiro');
    await page.click('button:has-text("Change the modules of acme-br")');
    await page.waitForSelector('text=Modules changed.');
    expect(await page.textContent('section[aria-labelledby="modules-title"]')).toContain('financeiro');

    await page.click('text=Rotate API key…');
    await page.click('button:has-text("Rotate the key of acme-br")');
    const key = (await page.textContent('#api-key'))!.trim();
    expect(key).toMatch(/^sk_acme-br_[0-9a-f]{32}$/);
    problems.push(...(await inspectPage(page, 'new-key')));
    await page.goto(at('/console/tenants/acme-br'));
    expect(await page.content()).not.toContain(key);

    await page.goto(at('/console/tenants?q=acme'));
    expect(await page.textContent('table')).toContain('acme-br');
    problems.push(...(await inspectPage(page, 'tenants')));
  });

  it('follows a migration rollout live on the Fleet page, failures with their SQL error, and queues a drift check', async () => {
    await page.goto(at('/console/fleet'));
    const pending = await page.textContent('section[aria-labelledby="pending-title"] tbody');
    expect(pending).toMatch(/crm\s*3\s*2/);
    problems.push(...(await inspectPage(page, 'fleet')));
    await page.click('button:has-text("Start a rollout")');
    await page.waitForURL(/\/console\/fleet\?job=/);
    // the page follows the job over server-sent events until it has finished
    await page.waitForFunction('["succeeded", "failed"].includes(document.getElementById("rollout-status").textContent)', undefined, { timeout: 90_000 });
    expect(await page.textContent('#rollout-status')).toBe('failed');
    expect(await page.textContent('#rollout-done')).toBe('1');
    expect(await page.textContent('#rollout-failed')).toBe('1');
    expect(await page.textContent('#rollout-total')).toBe('2');
    expect(await page.textContent('#rollout-failures')).toMatch(/cb-bad: .*(unique|duplicate|leads_email_unique)/i);
    problems.push(...(await inspectPage(page, 'fleet-rollout')));

    await page.click('button:has-text("Run a drift check")');
    await page.waitForSelector('text=Drift check queued');
    for (let i = 0; i < 90 && !(await page.textContent('section[aria-labelledby="drift-title"]'))!.includes('Last check: succeeded'); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      await page.goto(at('/console/fleet'));
    }
    expect(await page.textContent('section[aria-labelledby="drift-title"]')).toMatch(/Last check: succeeded.*\d+ tenants checked/s);
    expect(await page.textContent('section[aria-labelledby="jobs-title"]')).toContain('detect_drift');
    expect(await page.textContent('section[aria-labelledby="servers-title"]')).toContain('default');
  });

  it('lists a backup on the Fleet page and restores it as a new tenant behind a confirmation naming it; the new key shown once', async () => {
    type Job = { id: string; status: string; result?: { backupId?: string } };
    const api = async (method: string, path: string) => (await (await fetch(at(path), { method, headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Job;
    const queued = await api('POST', '/v1/tenants/acme-br/backups');
    for (let i = 0; i < 360 && !['succeeded', 'failed'].includes((await api('GET', `/v1/jobs/${queued.id}`)).status); i++) await new Promise((r) => setTimeout(r, 500));
    const backup = await api('GET', `/v1/jobs/${queued.id}`);
    expect(backup.status).toBe('succeeded');

    await page.goto(at('/console/fleet'));
    const section = 'section[aria-labelledby="backups-title"]';
    expect(await page.textContent(section)).toContain(backup.result!.backupId!);
    await page.click(`${section} summary:has-text("Restore…")`);
    expect(await page.inputValue('#restore-as-0')).toBe('acme-br-restored');
    await page.fill('#restore-as-0', 'acme-copy');
    problems.push(...(await inspectPage(page, 'fleet-backups')));
    await page.check('#restore-confirm-0');
    await page.click(`${section} button:has-text("Restore")`);
    await page.waitForURL(/\/console\/fleet\?job=.*&queued=restore$/);
    for (let i = 0; i < 120 && !/succeeded|failed/.test((await page.textContent('#job-status')) ?? ''); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      await page.reload();
    }
    expect(await page.textContent('#job-status')).toBe('succeeded');
    const key = (await page.textContent('#job-api-key'))!.trim();
    expect(key).toMatch(/^sk_acme-copy_[0-9a-f]{32}$/);
    problems.push(...(await inspectPage(page, 'fleet-restored')));
    await page.reload();
    expect(await page.content()).not.toContain(key);
    await page.click('text=Open tenant acme-copy');
    await page.waitForURL(/\/console\/tenants\/acme-copy$/);
    expect(await page.textContent('section[aria-labelledby="modules-title"]')).toContain('financeiro');
  });

  it('signs out and is refused afterwards', async () => {
    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('text=You are signed out.');
    await page.goto(at('/console/tenants/acme-br'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  });

  it('no page had a serious or critical accessibility violation or scrolled sideways at 390 px', () => {
    expect(problems).toEqual([]);
  });
});
