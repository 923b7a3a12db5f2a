import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TlsFiles {
  cert: string;
  key: string;
}

/**
 * A self-signed wildcard certificate for `*.<baseDomain>` (and localhost,
 * 127.0.0.1) under <dir>, made once: so `https://acme.localhost:8443` works on
 * this machine. For production, set KRYONIX_TLS_CERT / KRYONIX_TLS_KEY instead.
 */
export async function ensureSelfSignedCertificate(dir: string, baseDomain: string): Promise<TlsFiles> {
  const files = { cert: join(dir, `${baseDomain}.crt`), key: join(dir, `${baseDomain}.key`) };
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  await mkdir(dir, { recursive: true });
  const { generate } = await import('selfsigned'); // only `kryonix up` needs it: loaded on first use
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 2);
  const pems = await generate([{ name: 'commonName', value: `*.${baseDomain}` }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: `*.${baseDomain}` }, { type: 2, value: baseDomain }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  await writeFile(files.key, pems.private, { mode: 0o600 });
  await writeFile(files.cert, pems.cert, { mode: 0o644 });
  return files;
}
