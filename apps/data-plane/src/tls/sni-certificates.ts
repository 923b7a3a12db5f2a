import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { type SecureContext, createSecureContext } from 'node:tls';
import { LRUCache } from 'lru-cache';
import { ConfigurationError, tenantIdFromHostname } from '@kryonix/domain';
import { DEFAULT_LEAF, type KryonixConfig, leafFile, parseLeafFile } from '@kryonix/platform';

interface Entry {
  /** undefined: no usable leaf (the default certificate is served). */
  context: SecureContext | undefined;
  /** inode and mtime of the file it was read from; undefined when there was none. */
  version: string | undefined;
  checkedAt: number;
}

/**
 * The leaf certificate for a TLS server name, from KRYONIX_TLS_DIR (see leaf-folder.ts):
 * `acme.<base-domain>` → `<dir>/acme.pem`. The name a client sent is first checked against
 * the tenant id rules and the base domain (tenantIdFromHostname), so no file name is ever
 * built from anything else; other names get the default certificate. A name is looked up on
 * its first handshake and again when its entry is older than `recheckMs` (a stat; the file
 * is read again only when it was replaced), so a leaf issued or renewed by the CLI or the
 * control plane is served without a restart.
 */
export class SniCertificates {
  private readonly cache = new LRUCache<string, Entry>({ max: 10_000 });

  constructor(
    private readonly dir: string,
    private readonly baseDomain: string,
    private readonly options: { recheckMs?: number; onUnreadable?: (file: string, error: unknown) => void } = {},
  ) {}

  /** Node's `SNICallback`: no context (undefined) makes the server use its default certificate. */
  readonly SNICallback = (servername: string, done: (error: Error | null, context?: SecureContext) => void): void => {
    this.contextFor(servername).then(
      (context) => done(null, context),
      () => done(null, undefined),
    );
  };

  async contextFor(servername: string): Promise<SecureContext | undefined> {
    const id = tenantIdFromHostname(servername, this.baseDomain);
    if (!id) return undefined;
    const now = Date.now();
    const entry = this.cache.get(id);
    if (entry && now - entry.checkedAt < (this.options.recheckMs ?? 1_000)) return entry.context;
    const file = leafFile(this.dir, id);
    const version = await stat(file).then(
      (s) => `${s.ino}:${s.mtimeMs}`,
      () => undefined,
    );
    if (entry && entry.version === version) {
      entry.checkedAt = now;
      return entry.context;
    }
    const context = version === undefined ? undefined : await this.read(file);
    this.cache.set(id, { context, version, checkedAt: now });
    return context;
  }

  private async read(file: string): Promise<SecureContext | undefined> {
    try {
      return createSecureContext(parseLeafFile(await readFile(file, 'utf8')));
    } catch (error) {
      this.options.onUnreadable?.(file, error);
      return undefined;
    }
  }
}

export interface DataPlaneTls {
  key: Buffer | string;
  cert: Buffer | string;
  SNICallback?: SniCertificates['SNICallback'];
}

/**
 * The data plane's HTTPS options: with KRYONIX_TLS_DIR, leaves by SNI and as default
 * KRYONIX_TLS_CERT/KEY when set, else the folder's `_default.pem`; with only
 * KRYONIX_TLS_CERT/KEY, that certificate for every name (as before); neither: plain HTTP.
 */
export function dataPlaneTls(config: Pick<KryonixConfig, 'tlsDir' | 'tlsCert' | 'tlsKey' | 'baseDomain'>, onUnreadable?: (file: string, error: unknown) => void): DataPlaneTls | undefined {
  const own = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
  if (!config.tlsDir) return own;
  const sni = new SniCertificates(config.tlsDir, config.baseDomain, { onUnreadable });
  return { ...(own ?? defaultLeaf(config.tlsDir)), SNICallback: sni.SNICallback };
}

function defaultLeaf(dir: string): { key: string; cert: string } {
  const file = leafFile(dir, DEFAULT_LEAF);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigurationError(`KRYONIX_TLS_DIR has no default certificate ${file}: \`kryonix up\` makes it with the local CA; or set KRYONIX_TLS_CERT and KRYONIX_TLS_KEY for names without a leaf.`);
  }
  try {
    return parseLeafFile(pem);
  } catch (error) {
    throw new ConfigurationError(`${file} is ${(error as Error).message}.`);
  }
}
