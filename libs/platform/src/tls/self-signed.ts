import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { DAY_MS, EC, SIGNING, privateKeyPem, serialNumber, x509Lib } from './x509';

export interface TlsFiles {
  cert: string;
  key: string;
}

/**
 * A self-signed wildcard certificate for `*.<baseDomain>` (and the base domain, localhost,
 * 127.0.0.1) under <dir>, made once: what an operator's own certificate (KRYONIX_TLS_CERT /
 * KRYONIX_TLS_KEY) looks like to the data plane, for tests. Clients accept a wildcard only
 * under a base domain of two labels or more (not `*.localhost`); `kryonix up` uses the local
 * CA instead (local-ca.ts).
 */
export async function ensureSelfSignedCertificate(dir: string, baseDomain: string): Promise<TlsFiles> {
  const files = { cert: join(dir, `${baseDomain}.crt`), key: join(dir, `${baseDomain}.key`) };
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  await mkdir(dir, { recursive: true });
  const x509 = await x509Lib();
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=*.${baseDomain}`,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 2 * 365 * DAY_MS),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: `*.${baseDomain}` },
        { type: 'dns', value: baseDomain },
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  await writeFile(files.key, await privateKeyPem(keys.privateKey), { mode: 0o600 });
  await writeFile(files.cert, cert.toString('pem') + '\n', { mode: 0o644 });
  return files;
}
