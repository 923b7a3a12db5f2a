import { LocalWindows } from './rate-limiter';

describe('LocalWindows (the rate limit counted by one data plane, without Redis)', () => {
  const W = 60_000;

  it('allows the limit within a window and refuses the next, saying when to retry', () => {
    const w = new LocalWindows(W);
    const t0 = 10 * W + 1_000;
    for (let i = 0; i < 5; i++) expect(w.take('a', t0 + i, 5)).toEqual([1, 0]);
    const [allowed, retry] = w.take('a', t0 + 10, 5);
    expect(allowed).toBe(0);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(W);
    expect(w.take('b', t0 + 10, 5)).toEqual([1, 0]); // per tenant
  });

  it('slides: the previous minute counts for its share still in the window', () => {
    const w = new LocalWindows(W);
    const t0 = 20 * W;
    for (let i = 0; i < 10; i++) w.take('a', t0 + i, 10);
    // a quarter into the next minute, 3/4 of the previous 10 still count: 7.5, so 2 more fit
    expect(w.take('a', t0 + W + W / 4, 10)[0]).toBe(1);
    expect(w.take('a', t0 + W + W / 4, 10)[0]).toBe(1);
    expect(w.take('a', t0 + W + W / 4, 10)[0]).toBe(0);
    // two minutes later the slate is clean
    for (let i = 0; i < 10; i++) expect(w.take('a', t0 + 3 * W + i, 10)[0]).toBe(1);
  });
});
