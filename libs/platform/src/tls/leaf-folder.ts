import { join } from 'node:path';
import { TENANT_ID_PATTERN } from '@kryonix/domain';

/**
 * The folder of leaf certificates the data plane serves by SNI (KRYONIX_TLS_DIR; `kryonix
 * up`: `$KRYONIX_HOME/tls/leaves`): one PEM file per name holding its private key and its
 * certificate, so that a reader never sees a key of one issue beside the certificate of
 * another (each file is replaced by one rename). `<tenant id>.pem` is the leaf of
 * `<id>.<base-domain>`; `_default.pem` (no tenant id has a `_`) is served to clients that
 * send no server name or one that is no tenant's.
 */
export const DEFAULT_LEAF = '_default';

/** The file of a leaf: `<dir>/<stem>.pem`, for a tenant id or DEFAULT_LEAF only (never a name a client chose). */
export function leafFile(dir: string, stem: string): string {
  if (stem !== DEFAULT_LEAF && !TENANT_ID_PATTERN.test(stem)) throw new Error(`Refusing leaf certificate name ${JSON.stringify(stem)}`);
  return join(dir, `${stem}.pem`);
}

/** The tenant ids of the leaves in a folder's listing (the default left out). */
export function leafStems(fileNames: readonly string[]): string[] {
  return fileNames.flatMap((f) => {
    const m = /^(.+)\.pem$/.exec(f);
    return m && TENANT_ID_PATTERN.test(m[1]!) ? [m[1]!] : [];
  });
}

/** A leaf file's private key and certificate(s), as PEM text. */
export function parseLeafFile(pem: string): { key: string; cert: string } {
  const blocks = pem.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
  const key = blocks.filter((b) => /^-----BEGIN (EC |RSA )?PRIVATE KEY-----/.test(b));
  const cert = blocks.filter((b) => b.startsWith('-----BEGIN CERTIFICATE-----'));
  if (key.length !== 1 || cert.length < 1) throw new Error('not a leaf file: one private key and a certificate (PEM) are expected');
  return { key: `${key[0]}\n`, cert: `${cert.join('\n')}\n` };
}
