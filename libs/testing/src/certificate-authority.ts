import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

export interface TestCertificate {
  /** PEM of the certificate. */
  cert: string;
  /** PEM (PKCS #8) of its private key. */
  key: string;
}

export interface TestCertificateAuthority {
  /** PEM of the CA's certificate: what a client passes as `ca` or in NODE_EXTRA_CA_CERTS. */
  cert: string;
  /** A server certificate (EC P-256, serverAuth) for these DNS names and IP addresses, signed by this CA. */
  issue(names: string[]): Promise<TestCertificate>;
}

const EC: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

/**
 * A throwaway certificate authority made in memory for one test run: a client that
 * trusts `cert` verifies the leaves it issues (hostname included), as it would a
 * real CA's. Its key never leaves the process.
 */
export async function testCertificateAuthority(name = 'Kryonix test CA'): Promise<TestCertificateAuthority> {
  const crypto = webcrypto;
  const caKeys = (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(Date.now() + 30 * DAY);
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${name}`,
      keys: caKeys,
      notBefore,
      notAfter,
      signingAlgorithm: EC,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return {
    cert: ca.toString('pem'),
    async issue(names) {
      if (names.length === 0) throw new Error('testCertificateAuthority.issue: name at least one host');
      const keys = (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const leaf = await x509.X509CertificateGenerator.create(
        {
          subject: `CN=${names[0]}`,
          issuer: ca.subject,
          publicKey: keys.publicKey,
          signingKey: caKeys.privateKey,
          notBefore,
          notAfter,
          signingAlgorithm: EC,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIP(n) ? 'ip' : 'dns', value: n }))),
            await x509.AuthorityKeyIdentifierExtension.create(ca, false, crypto),
          ],
        },
        crypto,
      );
      const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
      return { cert: leaf.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n` };
    },
  };
}
