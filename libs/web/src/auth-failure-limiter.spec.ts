import { Registry } from 'prom-client';
import { RateLimited } from '@kryonix/domain';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { ClientAddresses, type PeerRequest } from './client-address';

const from = (address: string, forwarded?: string): PeerRequest => ({ headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded }, socket: { remoteAddress: address } });

function limiter(extra: Partial<ConstructorParameters<typeof AuthFailureLimiter>[0]> = {}) {
  let now = 1_000_000;
  const logs: string[] = [];
  const registry = new Registry();
  const l = new AuthFailureLimiter({ maxFailures: 10, registry, surfaces: ['operator'], now: () => now, log: (m) => logs.push(m), ...extra });
  return { l, logs, registry, advance: (ms: number) => (now += ms) };
}

const wrong = (l: AuthFailureLimiter, request: PeerRequest) => l.verify(request, 'operator', true, () => false);
const right = (l: AuthFailureLimiter, request: PeerRequest) => l.verify(request, 'operator', true, () => true);

describe('AuthFailureLimiter', () => {
  it('refuses with 429 and the seconds left of the window after 10 wrong secrets, without checking; the window ends', () => {
    const { l, advance } = limiter();
    const client = from('203.0.113.7');
    for (let i = 0; i < 10; i++) expect(wrong(l, client)).toBe(false);
    advance(20_500);
    let checked = false;
    const refused = (() => {
      try {
        l.verify(client, 'operator', true, () => (checked = true));
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(RateLimited);
    expect((refused as RateLimited).details.retryAfterSeconds).toBe(40); // 39.5 s left, rounded up
    expect(checked).toBe(false);
    expect(right(l, from('203.0.113.8'))).toBe(true); // another address is not affected
    advance(39_500);
    expect(right(l, client)).toBe(true); // the window is over
    expect(wrong(l, client)).toBe(false); // and a new one starts from zero
  });

  it('does not count a request that presented no secret, nor the exempt socket', () => {
    const { l } = limiter();
    for (let i = 0; i < 50; i++) expect(l.verify(from('203.0.113.9'), 'operator', false, () => false)).toBe(false);
    expect(right(l, from('203.0.113.9'))).toBe(true);
    const exempt = limiter({ exempt: true }).l;
    for (let i = 0; i < 50; i++) expect(wrong(exempt, from('203.0.113.9'))).toBe(false);
    expect(right(exempt, from('203.0.113.9'))).toBe(true);
  });

  it('logs once per address and window, never the secret, and counts failures and refusals', async () => {
    const { l, logs, registry, advance } = limiter();
    const client = from('198.51.100.4');
    for (let i = 0; i < 10; i++) wrong(l, client);
    for (let i = 0; i < 3; i++) expect(() => wrong(l, client)).toThrow(RateLimited);
    expect(logs).toEqual([expect.stringMatching(/^client 198\.51\.100\.4 presented 10 wrong secrets \(last: operator\) within 60 s; its requests get 429 for 60 s$/)]);
    advance(60_000);
    for (let i = 0; i < 10; i++) wrong(l, client);
    expect(logs).toHaveLength(2);
    const text = await registry.metrics();
    expect(text).toContain('kryonix_auth_failures_total{surface="operator"} 20');
    expect(text).toContain('kryonix_auth_blocked_total{surface="operator"} 3');
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as IPv4', () => {
    const { l } = limiter();
    for (let i = 0; i < 10; i++) wrong(l, from(`2001:db8:1:2::${i + 1}`));
    expect(() => right(l, from('2001:db8:1:2:ffff::1'))).toThrow(RateLimited);
    expect(right(l, from('2001:db8:1:3::1'))).toBe(true);
    for (let i = 0; i < 10; i++) wrong(l, from('::ffff:192.0.2.1'));
    expect(() => right(l, from('192.0.2.1'))).toThrow(RateLimited);
  });
});

describe('AuthFailureLimiter memory', () => {
  it('drops finished windows as new clients fail, so a flood of addresses does not grow it for ever', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 1000; i++) wrong(l, from(`10.1.${i >> 8}.${i & 255}`));
    advance(60_000);
    wrong(l, from('10.2.0.1'));
    expect((l as unknown as { windows: Map<string, unknown> }).windows.size).toBe(1);
  });
});

describe('ClientAddresses', () => {
  it('believes X-Forwarded-For only from a trusted proxy, read from the right', () => {
    const none = new ClientAddresses();
    expect(none.of(from('10.0.0.5', '203.0.113.1'))).toBe('10.0.0.5');
    const trusted = new ClientAddresses(['10.0.0.0/8', '192.0.2.10']);
    expect(trusted.of(from('10.0.0.5', '203.0.113.1'))).toBe('203.0.113.1');
    expect(trusted.of(from('198.51.100.1', '203.0.113.1'))).toBe('198.51.100.1'); // not a proxy of ours
    // what the client wrote on the left is skipped: the nearest untrusted hop counts
    expect(trusted.of(from('10.0.0.5', '1.1.1.1, 203.0.113.1, 192.0.2.10'))).toBe('203.0.113.1');
    expect(trusted.of(from('10.0.0.5', 'garbage'))).toBe('10.0.0.5');
    expect(trusted.of(from('10.0.0.5'))).toBe('10.0.0.5');
    expect(trusted.of(from('::ffff:10.0.0.5', '203.0.113.1'))).toBe('203.0.113.1');
    expect(new ClientAddresses(['fd00::/8']).of(from('fd00::1', '2001:db8::1'))).toBe('2001:db8::1');
  });
});
