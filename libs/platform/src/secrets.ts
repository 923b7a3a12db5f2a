import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** A tenant role's password: 32 random bytes (256 bits), base64url. */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

export interface GeneratedApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/** sk_<id>_<32 lowercase hex>: 128 random bits, so a plain SHA-256 is a safe verifier. */
export function generateApiKey(tenantId: string): GeneratedApiKey {
  const secret = randomBytes(16).toString('hex');
  const key = `sk_${tenantId}_${secret}`;
  return { key, prefix: `sk_${tenantId}_${secret.slice(0, 4)}`, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyMatches(key: string, hash: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password. Sending the
 * verifier instead of the password keeps the plain password out of the server's
 * statement logs and pg_stat_activity.
 */
export function scramSha256Verifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** AES-256-GCM envelope: "v1:<iv>:<tag>:<ciphertext>", each part base64url. */
export class SecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('The master key must be 32 bytes (AES-256).');
    this.key = masterKey;
  }

  encrypt(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':');
  }

  /** A secret derived from the master key (e.g. the gateway role's password): nothing to store. */
  derive(label: string): string {
    return createHmac('sha256', this.key).update(`kryonix:${label}`).digest('base64url');
  }

  /**
   * A 32-byte key for one purpose, derived with HKDF-SHA256 from the master key and a
   * salt (e.g. a backup file's own random salt: every file gets a key of its own).
   */
  deriveKey(purpose: string, salt: Buffer): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, salt, `kryonix:${purpose}`, 32));
  }

  /** `context` (the tenant id) is bound as associated data, so a ciphertext cannot be moved to another tenant. */
  decrypt(envelope: string, context: string): string {
    const [version, iv, tag, data] = envelope.split(':');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('Unrecognised secret envelope');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** Accepts a master key as 64 hex characters or base64/base64url of 32 bytes. */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new Error('KRYONIX_MASTER_KEY must be 32 bytes, given as 64 hex characters or base64 (e.g. `openssl rand -hex 32`).');
  }
  return key;
}
