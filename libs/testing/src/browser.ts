import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { projectRoot } from '@kryonix/platform';

/** Debian's Chromium (`apt-get install chromium`; .ci/run checks it is there): no browser is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the browser tests write their screenshots (git ignores test-output/). */
export const SCREENSHOTS = join(projectRoot(), 'test-output', 'console-screenshots');

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** One headless Chromium with a fresh profile of its own (removed at close); nothing reaches past loopback. */
export async function launchChromium(): Promise<TestBrowser> {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'kryonix-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1440, height: 900 },
  });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(60_000);
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // axe-core's own build, from the project's node_modules (no network).
  await page.addScriptTag({ path: join(projectRoot(), 'node_modules', 'axe-core', 'axe.min.js') });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }> }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Whether the page scrolls sideways (its content wider than its window). */
export async function scrollsSideways(page: Page): Promise<{ scrollWidth: number; clientWidth: number; sideways: boolean }> {
  // A string: the test code's types know no DOM.
  return page.evaluate<{ scrollWidth: number; clientWidth: number; sideways: boolean }>(
    '({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth, sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth })',
  );
}

/**
 * The page checked the way every console page must pass (no serious or critical axe
 * violation; no sideways scrolling at 390 px) and photographed at 1440 and 390 px wide.
 * Returns what failed, so a test asserts on one list.
 */
export async function inspectPage(page: Page, name: string): Promise<string[]> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const problems: string[] = [];
  for (const v of await seriousViolations(page)) problems.push(`${name}: axe ${v.impact} ${v.id} (${v.help}, ${v.nodes} nodes)`);
  const wide = page.viewportSize() ?? { width: 1440, height: 900 };
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-1440.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const narrow = await scrollsSideways(page);
  if (narrow.sideways) problems.push(`${name}: scrolls sideways at 390 px (scrollWidth ${narrow.scrollWidth} > clientWidth ${narrow.clientWidth})`);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-390.png`), fullPage: true });
  await page.setViewportSize(wide);
  return problems;
}

/** Signs in to a control plane's console over plain HTTP: the session's cookie and CSRF token. */
export async function consoleSession(baseUrl: string, token: string): Promise<{ cookie: string; csrf: string }> {
  const form = await fetch(`${baseUrl}/console/sign-in`);
  const signInCookie = /kryonix_console_signin=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1];
  const signInCsrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!signInCookie || !signInCsrf) throw new Error('the sign-in page gave no form token');
  const res = await fetch(`${baseUrl}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `kryonix_console_signin=${signInCookie}` },
    body: new URLSearchParams({ _csrf: signInCsrf, token }).toString(),
  });
  const secret = res.headers.getSetCookie().map((c) => /^kryonix_console=([^;]+)/.exec(c)?.[1]).find(Boolean);
  if (res.status !== 303 || !secret) throw new Error(`sign-in answered ${res.status}`);
  const cookie = `kryonix_console=${secret}`;
  const page = await (await fetch(`${baseUrl}/console/tenants`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error('the tenants page carries no CSRF token');
  return { cookie, csrf };
}

/** A log stream for a server under test, and everything written to it so far. */
export function capturedLog(): { stream: Writable; text(): string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}
