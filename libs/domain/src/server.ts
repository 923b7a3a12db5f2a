import { InvalidInput } from './errors';

/** One PostgreSQL server tenants can live on; `default` is the registry's own (KRYONIX_DATABASE_URL or the embedded one). */
export type ServerState = 'active' | 'cordoned' | 'draining';
export const SERVER_STATES: readonly ServerState[] = ['active', 'cordoned', 'draining'];
export const DEFAULT_SERVER = 'default';
export const SERVER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

export function validateServerName(value: unknown): string {
  if (typeof value !== 'string' || !SERVER_NAME_PATTERN.test(value)) {
    throw new InvalidInput(
      `Invalid server name ${typeof value === 'string' ? `"${value.slice(0, 60)}"` : String(value)}: use 2 to 40 characters, lowercase letters a-z, digits and '-', starting with a letter and not ending with '-'.`,
      { field: 'server' },
    );
  }
  return value;
}

const TAG_KEY = /^[a-z][a-z0-9_.-]{0,39}$/;
const TAG_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** `k=v` tags (`region=sa-east`): keys lowercase (a-z, 0-9, _ . -, up to 40), values up to 64 of A-Z a-z 0-9 _ . : -. */
export function parseTags(values: readonly string[], option = '--tag'): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const raw of values) {
    const at = raw.indexOf('=');
    const key = at > 0 ? raw.slice(0, at) : '';
    const value = at > 0 ? raw.slice(at + 1) : '';
    if (!TAG_KEY.test(key) || !TAG_VALUE.test(value)) {
      throw new InvalidInput(`Invalid ${option} "${raw.slice(0, 80)}": use key=value, the key lowercase a-z, 0-9, '_', '.', '-' (up to 40), the value up to 64 of A-Z a-z 0-9 _ . : - (e.g. region=sa-east).`, { field: 'tags' });
    }
    if (Object.hasOwn(tags, key) && tags[key] !== value) throw new InvalidInput(`${option} ${key} is given twice with different values.`, { field: 'tags' });
    tags[key] = value;
  }
  return tags;
}

/** Tags given as an object (an HTTP body, a job payload): the same rules as `--tag k=v`, named `option`. */
export function parseTagRecord(tags: Readonly<Record<string, unknown>>, option = 'tags'): Record<string, string> {
  return parseTags(Object.entries(tags).map(([k, v]) => `${k}=${String(v)}`), option);
}

/** `region=sa-east,tier=gold` (keys in order), or '' for none. */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Whether a server's tags include every wanted one. */
export function tagsMatch(have: Readonly<Record<string, string>>, want: Readonly<Record<string, string>>): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

/** Binary units, as KRYONIX_TENANT_STORAGE_QUOTA and `--max-storage` read them ("5GB" = 5 × 1024³ bytes). */
export const SIZE_UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 } as const;

/** `500GB`, `1.5TB`, `750MB` (binary units) → bytes. */
export function parseByteSize(raw: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)$/i.exec(raw.trim());
  const bytes = m ? Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase() as keyof typeof SIZE_UNITS]) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidInput(`Invalid ${option} "${raw.slice(0, 40)}": give a size such as 500GB, 1.5TB or 750MB.`, { field: option });
  return bytes;
}

/** `1536` → `1.5 KB`, in the units above. */
export function formatBytes(n: number): string {
  const units = Object.keys(SIZE_UNITS) as Array<keyof typeof SIZE_UNITS>;
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
