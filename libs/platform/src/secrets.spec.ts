import { SecretBox, apiKeyMatches, generateApiKey, generatePassword, parseMasterKey, scramSha256Verifier } from './secrets';

describe('secrets', () => {
  const box = new SecretBox(parseMasterKey('ab'.repeat(32)));

  it('round-trips and binds the ciphertext to its tenant', () => {
    const envelope = box.encrypt('s3cret', 'acme');
    expect(envelope).not.toContain('s3cret');
    expect(box.decrypt(envelope, 'acme')).toBe('s3cret');
    expect(() => box.decrypt(envelope, 'other')).toThrow();
  });

  it('detects tampering', () => {
    const [v, iv, tag, data] = box.encrypt('s3cret', 'acme').split(':');
    const flipped = Buffer.from(data!, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => box.decrypt([v, iv, tag, flipped.toString('base64url')].join(':'), 'acme')).toThrow();
  });

  it('refuses a master key of the wrong size', () => {
    expect(() => parseMasterKey('abcd')).toThrow(/32 bytes/);
  });

  it('makes 256-bit passwords and sk_<id>_<32 hex> keys with a matching hash', () => {
    expect(Buffer.from(generatePassword(), 'base64url')).toHaveLength(32);
    const key = generateApiKey('acme');
    expect(key.key).toMatch(/^sk_acme_[0-9a-f]{32}$/);
    expect(key.key.startsWith(key.prefix)).toBe(true);
    expect(apiKeyMatches(key.key, key.hash)).toBe(true);
    expect(apiKeyMatches(generateApiKey('acme').key, key.hash)).toBe(false);
  });

  it('builds a SCRAM-SHA-256 verifier without the password in it', () => {
    const v = scramSha256Verifier('pw');
    expect(v).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(v).not.toContain('pw$');
  });
});
