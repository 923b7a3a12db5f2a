import { exitCodeFor, fromServerFault, KryonixError } from '@kryonix/domain';
import type { StepEvent } from '@kryonix/provisioning';
import type { CreatedTenant } from './transport/tenant-service';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

const MARK: Record<StepEvent['status'], string> = { sucesso: '✔', erro: '✖', desfeito: '↺', undo_falhou: '!' };

/** One line per step as it finishes: mark, step, duration. */
export function stepPrinter(enabled: boolean, heading: string): ((event: StepEvent) => void) | undefined {
  if (!enabled) return undefined;
  let first = true;
  return (event) => {
    if (first) process.stdout.write(`${heading}\n`);
    first = false;
    const note = event.status === 'desfeito' ? ' (undone)' : event.status === 'undo_falhou' ? ` (undo failed: ${event.error})` : event.status === 'erro' ? ` (${event.error})` : '';
    process.stdout.write(`  ${MARK[event.status]} ${event.step.padEnd(16)} ${ms(event.durationMs).padStart(9)}${note}\n`);
  };
}

export function printTenantSummary(t: CreatedTenant, verb: string): void {
  const lines = [
    '',
    `${verb} tenant ${t.id} (${t.name}) in ${ms(t.durationMs)}`,
    `  mode      ${t.mode}`,
    `  server    ${t.server}`,
    `  database  ${t.database}`,
    `  schemas   ${t.schemas.join(', ')}`,
    `  role      ${t.role}`,
    `  url       ${t.url}`,
    `  modules   ${t.modules.join(', ')}`,
    t.apiKey ? `  API key   ${t.apiKey}` : '  API key   unchanged (not shown again)',
    t.apiKey ? '            shown only this once: store it now; only its hash is kept.' : '',
    // a create killed right after issuing its key never showed it: only a new key helps then
    !t.apiKey && verb === 'Repaired' ? `            never saw it (the create was killed before printing it)? \`kryonix tenant rotate-key ${t.id}\` issues a new one.` : '',
  ];
  process.stdout.write(lines.filter((l) => l !== '').join('\n') + '\n');
}

/** The one place errors become a sentence on stderr and an exit code. */
export function reportError(thrown: unknown, json: boolean): number {
  const error = fromServerFault(thrown);
  const code = exitCodeFor(error);
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    process.stderr.write(JSON.stringify({ error: { code: error instanceof KryonixError ? error.code : 'INTERNAL', message } }) + '\n');
  } else {
    process.stderr.write(`kryonix: ${message}\n`);
    if (!(error instanceof KryonixError) && process.env.KRYONIX_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  }
  return code;
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows]) process.stdout.write(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ') + '\n');
}
