import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { CERTIFICATE_LIFETIME, LocalCertificateAuthority, tenantLeafNames } from './local-ca';
import { DEFAULT_LEAF, leafFile, parseLeafFile } from './leaf-folder';
import { encodeNameConstraints, permittedDnsNames } from './name-constraints';
import { ensureSelfSignedCertificate } from './self-signed';

const DAY = 24 * 3600 * 1000;

/** A TLS server presenting `pem` (key + certificate), and one client handshake with verification on. */
async function handshake(pem: { key: string; cert: string }, client: { servername?: string; ca: string }): Promise<{ ok: true; subject: string } | { ok: false; error: string }> {
  const server = createServer(pem, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ...client, rejectUnauthorized: true }, () => {
        resolve({ ok: true, subject: socket.getPeerCertificate().subject.CN as string });
        socket.end();
      });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: `${e.code}: ${e.message}` }));
    });
  } finally {
    server.close();
  }
}

describe('the local certificate authority', () => {
  let home: string;
  let clock: Date;
  let ca: LocalCertificateAuthority;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'kryonix-ca-'));
    clock = new Date();
    ca = new LocalCertificateAuthority(home, () => clock);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  const caPem = () => readFileSync(ca.paths.cert, 'utf8');
  const leaf = (stem: string) => parseLeafFile(readFileSync(leafFile(ca.paths.leaves, stem), 'utf8'));

  it('is made once: EC P-256, a CA for 10 years, its key 0600 in a 0700 folder', async () => {
    expect(ca.exists()).toBe(false);
    expect(await ca.ensure('localhost')).toBe('there was none');
    expect(await ca.ensure('localhost')).toBeUndefined();
    expect(statSync(ca.paths.key).mode & 0o777).toBe(0o600);
    expect(statSync(ca.paths.dir).mode & 0o777).toBe(0o700);
    const cert = new X509Certificate(caPem());
    expect(cert.ca).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(Math.round((Date.parse(cert.validTo) - clock.getTime()) / DAY)).toBe(CERTIFICATE_LIFETIME.caDays);
  });

  it("issues a tenant's leaf (EC P-256, serverAuth, SAN <id>.<base-domain>, under 398 days) that a client verifies with the CA, and keeps it while it is good", async () => {
    await ca.ensure('localhost');
    expect(await ca.ensureLeaf('acme', tenantLeafNames('acme', 'localhost'))).toBe('issued');
    expect(statSync(leafFile(ca.paths.leaves, 'acme')).mode & 0o777).toBe(0o600);
    expect(statSync(ca.paths.leaves).mode & 0o777).toBe(0o700);
    const cert = new X509Certificate(leaf('acme').cert);
    expect(cert.subjectAltName).toBe('DNS:acme.localhost');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth (Node lists the extended key usage here)
    expect((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY).toBeLessThan(398);
    expect(await handshake(leaf('acme'), { servername: 'acme.localhost', ca: caPem() })).toEqual({ ok: true, subject: 'acme.localhost' });
    // another name is refused by the client
    expect(await handshake(leaf('acme'), { servername: 'other.localhost', ca: caPem() })).toMatchObject({ ok: false, error: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID') });
    expect(await ca.ensureLeaf('acme', tenantLeafNames('acme', 'localhost'))).toBe('kept');
  });

  it('renews a leaf within 30 days of its expiry, and not before', async () => {
    await ca.ensure('localhost');
    await ca.ensureLeaf('acme', tenantLeafNames('acme', 'localhost'));
    const first = new X509Certificate(leaf('acme').cert).serialNumber;
    clock = new Date(clock.getTime() + (CERTIFICATE_LIFETIME.leafDays - CERTIFICATE_LIFETIME.renewWithinDays - 1) * DAY);
    expect(await ca.ensureLeaf('acme', tenantLeafNames('acme', 'localhost'))).toBe('kept');
    clock = new Date(clock.getTime() + 2 * DAY);
    expect(await ca.ensureLeaf('acme', tenantLeafNames('acme', 'localhost'))).toBe('renewed');
    const renewed = new X509Certificate(leaf('acme').cert);
    expect(renewed.serialNumber).not.toBe(first);
    expect(Date.parse(renewed.validTo)).toBeGreaterThan(clock.getTime() + 300 * DAY);
  });

  it('issues a leaf again when the CA changed or the names did', async () => {
    await ca.ensure('localhost');
    await ca.ensureLeaf('acme', tenantLeafNames('acme', 'localhost'));
    rmSync(ca.paths.cert);
    expect(await ca.ensure('localhost')).toBe('there was none');
    expect(await ca.ensureLeaf('acme', tenantLeafNames('acme', 'localhost'))).toBe('renewed');
    expect(await handshake(leaf('acme'), { servername: 'acme.localhost', ca: caPem() })).toMatchObject({ ok: true });
    expect(await ca.ensureLeaf('acme', tenantLeafNames('acme', 'kryonix.test'))).toBe('renewed');
    expect(new X509Certificate(leaf('acme').cert).subjectAltName).toBe('DNS:acme.kryonix.test');
  });

  it('is limited by name constraints to localhost, the base domain and loopback: a leaf for another site is refused by clients', async () => {
    await ca.ensure('kryonix.test');
    await ca.ensureLeaf('evil', { dns: ['evil.example.com'] });
    expect(await handshake(leaf('evil'), { servername: 'evil.example.com', ca: caPem() })).toMatchObject({ ok: false, error: expect.stringContaining('permitted subtree violation') });
    await ca.ensureLeaf('acme', tenantLeafNames('acme', 'kryonix.test'));
    expect(await handshake(leaf('acme'), { servername: 'acme.kryonix.test', ca: caPem() })).toMatchObject({ ok: true });
    // another base domain: a new CA that covers it
    expect(await ca.ensure('other.test')).toBe('the previous one does not cover the base domain other.test');
    expect(await ca.ensure('other.test')).toBeUndefined();
  });

  it('gives a default leaf for localhost, the base domain and 127.0.0.1 (a client without SNI)', async () => {
    await ca.ensure('kryonix.test');
    expect(await ca.ensureDefaultLeaf('kryonix.test')).toBe('issued');
    expect(await handshake(leaf(DEFAULT_LEAF), { ca: caPem() })).toMatchObject({ ok: true, subject: 'localhost' });
    expect(await handshake(leaf(DEFAULT_LEAF), { servername: 'kryonix.test', ca: caPem() })).toMatchObject({ ok: true });
    expect(await handshake(leaf(DEFAULT_LEAF), { servername: 'acme.kryonix.test', ca: caPem() })).toMatchObject({ ok: false });
  });

  it('removes a leaf, and never builds a file name from anything but a tenant id or the default', async () => {
    await ca.ensure('localhost');
    await ca.ensureLeaf('acme', tenantLeafNames('acme', 'localhost'));
    expect(await ca.tenantLeaves()).toEqual(['acme']);
    expect(await ca.removeLeaf('acme')).toBe(true);
    expect(await ca.removeLeaf('acme')).toBe(false);
    expect(await ca.tenantLeaves()).toEqual([]);
    for (const bad of ['../ca', 'a/b', 'acme.localhost', '', 'ACME']) expect(() => leafFile(ca.paths.leaves, bad)).toThrow(/Refusing leaf certificate name/);
  });
});

describe('name constraints', () => {
  it('reads back the DNS names it wrote', () => {
    const der = encodeNameConstraints({ dns: ['localhost', 'kryonix.com.br'], ipRanges: [{ address: [127, 0, 0, 0], mask: [255, 0, 0, 0] }] });
    expect(permittedDnsNames(der)).toEqual(['localhost', 'kryonix.com.br']);
    expect(permittedDnsNames(Buffer.from([0x04, 0x00]))).toBeUndefined();
  });
});

describe('the self-signed certificate (an operator certificate, for tests)', () => {
  it('is its own trust anchor for names under the base domain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kryonix-self-'));
    try {
      const files = await ensureSelfSignedCertificate(dir, 'kryonix.test');
      const pem = { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8') };
      expect(await handshake(pem, { servername: 'acme.kryonix.test', ca: pem.cert })).toMatchObject({ ok: true, subject: '*.kryonix.test' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
