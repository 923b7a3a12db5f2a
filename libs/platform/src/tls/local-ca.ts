import { X509Certificate, createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LEAF, leafFile, leafStems, parseLeafFile } from './leaf-folder';
import { NAME_CONSTRAINTS_OID, encodeNameConstraints, permittedDnsNames } from './name-constraints';
import { DAY_MS, EC, SIGNING, atomicWrite, privateKeyPem, serialNumber, x509Lib } from './x509';

/** Where the local CA lives under KRYONIX_HOME: `tls/` (0700) with `ca.crt`, `ca.key` (0600) and the leaf folder `leaves/` (0700). */
export interface LocalCaPaths {
  dir: string;
  cert: string;
  key: string;
  /** The only part a data plane is given (KRYONIX_TLS_DIR). */
  leaves: string;
}

export function localCaPaths(home: string): LocalCaPaths {
  const dir = join(home, 'tls');
  return { dir, cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key'), leaves: join(dir, 'leaves') };
}

/**
 * How long certificates live: the CA 10 years; a leaf 365 days (clients refuse server
 * certificates of more than 398), issued again when less than 30 days are left, when the CA
 * that signed it is not the current one, or when it does not carry the names wanted.
 */
export const CERTIFICATE_LIFETIME = { caDays: 3650, leafDays: 365, renewWithinDays: 30 } as const;

/** The names a leaf certificate is for. */
export interface LeafNames {
  dns: readonly string[];
  ips?: readonly string[];
}

export type LeafOutcome = 'issued' | 'renewed' | 'kept';

/** The names of tenant `id`'s leaf. */
export function tenantLeafNames(id: string, baseDomain: string): LeafNames {
  return { dns: [`${id}.${baseDomain}`] };
}

/** The names of the default leaf: what a client without SNI (an IP address) or with the bare name reaches. */
export function defaultLeafNames(baseDomain: string): LeafNames {
  return { dns: [...new Set(['localhost', baseDomain])], ips: ['127.0.0.1', '::1'] };
}

/**
 * A certificate authority of this machine, in the way of mkcert or Caddy's local CA: created
 * once under KRYONIX_HOME by `kryonix up` (when no KRYONIX_TLS_CERT/KEY are set), it signs one
 * EC P-256 leaf per tenant. Clients trust `ca.crt` (`curl --cacert`, Node's `ca`). Its name
 * constraints limit it to `localhost`, the base domain and loopback addresses, so that its key,
 * should it leak, cannot vouch for any other site. Only the CLI and the control plane use it;
 * a data plane reads only the leaf folder.
 */
export class LocalCertificateAuthority {
  readonly paths: LocalCaPaths;

  constructor(
    home: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.paths = localCaPaths(home);
  }

  exists(): boolean {
    return existsSync(this.paths.cert) && existsSync(this.paths.key);
  }

  /**
   * Makes the CA when there is none, or a new one when the current one is unreadable, expires
   * within 30 days or does not cover `baseDomain` (its leaves are then issued again as they are
   * next ensured). Returns why it made one, or undefined when the current one stays.
   */
  async ensure(baseDomain: string): Promise<string | undefined> {
    const why = await this.whyNewCa(baseDomain);
    if (why === undefined) return undefined;
    const x509 = await x509Lib();
    const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const now = this.now();
    const permitted = [...new Set(['localhost', baseDomain])];
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: `CN=Kryonix local CA ${randomBytes(4).toString('hex')}, O=Kryonix local development`,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + CERTIFICATE_LIFETIME.caDays * DAY_MS),
      keys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        new x509.Extension(
          NAME_CONSTRAINTS_OID,
          true,
          encodeNameConstraints({
            dns: permitted,
            ipRanges: [
              { address: [127, 0, 0, 0], mask: [255, 0, 0, 0] },
              { address: [...Array<number>(15).fill(0), 1], mask: Array<number>(16).fill(255) },
            ],
          }),
        ),
      ],
    });
    await this.prepareFolders();
    // the key first: a leaf signed meanwhile names the key it was signed with (its authority key id)
    await atomicWrite(this.paths.key, await privateKeyPem(keys.privateKey), 0o600);
    await atomicWrite(this.paths.cert, ca.toString('pem') + '\n', 0o644);
    return why;
  }

  /** Issues the leaf `<stem>` for `names` unless the one there is signed by this CA, carries them and has more than 30 days left. */
  async ensureLeaf(stem: string, names: LeafNames): Promise<LeafOutcome> {
    const file = leafFile(this.paths.leaves, stem);
    const caCert = new X509Certificate(await readFile(this.paths.cert));
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current !== undefined && this.leafIsGood(current, caCert, names)) return 'kept';
    await this.issueLeaf(file, names);
    return current === undefined ? 'issued' : 'renewed';
  }

  /** The default leaf (localhost, the base domain, 127.0.0.1, ::1). */
  ensureDefaultLeaf(baseDomain: string): Promise<LeafOutcome> {
    return this.ensureLeaf(DEFAULT_LEAF, defaultLeafNames(baseDomain));
  }

  /** Removes a tenant's leaf; true when there was one. */
  async removeLeaf(stem: string): Promise<boolean> {
    const file = leafFile(this.paths.leaves, stem);
    const had = existsSync(file);
    await rm(file, { force: true });
    return had;
  }

  /** The tenant ids that have a leaf. */
  async tenantLeaves(): Promise<string[]> {
    return leafStems(await readdir(this.paths.leaves).catch(() => []));
  }

  private leafIsGood(pem: string, ca: X509Certificate, names: LeafNames): boolean {
    try {
      const leaf = new X509Certificate(parseLeafFile(pem).cert);
      if (!leaf.verify(ca.publicKey)) return false;
      if (new Date(leaf.validTo).getTime() - this.now().getTime() < CERTIFICATE_LIFETIME.renewWithinDays * DAY_MS) return false;
      return names.dns.every((n) => leaf.checkHost(n, { wildcards: false, subject: 'never' }) === n) && (names.ips ?? []).every((ip) => leaf.checkIP(ip) !== undefined);
    } catch {
      return false; // unreadable: issued again
    }
  }

  private async issueLeaf(file: string, names: LeafNames): Promise<void> {
    const x509 = await x509Lib();
    const caPem = await readFile(this.paths.cert, 'utf8');
    const caKey = createPrivateKey(await readFile(this.paths.key));
    const signingKey = await webcrypto.subtle.importKey('pkcs8', caKey.export({ type: 'pkcs8', format: 'der' }), EC, false, ['sign']);
    const caPublic = await webcrypto.subtle.importKey('spki', createPublicKey(caKey).export({ type: 'spki', format: 'der' }), EC, true, ['verify']);
    const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const now = this.now();
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: `CN=${names.dns[0] ?? names.ips?.[0]}`,
      issuer: new x509.X509Certificate(caPem).subject,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + CERTIFICATE_LIFETIME.leafDays * DAY_MS),
      signingKey,
      publicKey: keys.publicKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...(names.ips ?? []).map((value) => ({ type: 'ip' as const, value }))]),
        await x509.AuthorityKeyIdentifierExtension.create(caPublic),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    await this.prepareFolders();
    await atomicWrite(file, `${leaf.toString('pem')}\n${await privateKeyPem(keys.privateKey)}`, 0o600);
  }

  private async whyNewCa(baseDomain: string): Promise<string | undefined> {
    if (!this.exists()) return 'there was none';
    try {
      const ca = new X509Certificate(await readFile(this.paths.cert));
      createPrivateKey(await readFile(this.paths.key));
      if (new Date(ca.validTo).getTime() - this.now().getTime() < CERTIFICATE_LIFETIME.renewWithinDays * DAY_MS) return 'the previous one expires within 30 days';
      const x509 = await x509Lib();
      const constraints = new x509.X509Certificate(ca.raw).getExtension(NAME_CONSTRAINTS_OID);
      const permitted = constraints ? permittedDnsNames(new Uint8Array(constraints.value)) : undefined;
      if (!permitted?.some((d) => baseDomain === d || baseDomain.endsWith(`.${d}`))) return `the previous one does not cover the base domain ${baseDomain}`;
      return undefined;
    } catch {
      return 'the previous one could not be read';
    }
  }

  private async prepareFolders(): Promise<void> {
    for (const dir of [this.paths.dir, this.paths.leaves]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    }
  }
}
