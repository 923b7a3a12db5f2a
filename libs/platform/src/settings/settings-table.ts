import { KryonixProcess, SETTINGS, SettingSpec } from './settings';

const PROCESS_NAMES: Record<KryonixProcess, string> = {
  cli: 'CLI',
  'control-plane': 'control plane',
  'data-plane': 'data plane',
  up: '`up`',
  tests: 'tests',
};

/** The README's configuration table, made from SETTINGS (one row per variable, in schema order). */
export function settingsTable(): string {
  const rows = Object.values(SETTINGS as Record<string, SettingSpec<unknown>>).map((s) => {
    const shown = s.shown === undefined ? 'unset' : s.shown === '' ? '' : /[`(]|^unset|^—/.test(s.shown) ? s.shown : `\`${s.shown}\``;
    const read = s.processes.map((p) => PROCESS_NAMES[p]).join(', ');
    return `| \`${s.env}\` | ${s.type} | ${shown} | ${read} | ${s.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| variable | type | default | read by | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}

/** The README markers the table sits between. */
export const SETTINGS_TABLE_MARKERS = { start: '<!-- generated:settings -->', end: '<!-- /generated:settings -->' } as const;
