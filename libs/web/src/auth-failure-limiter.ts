import { Logger } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { isIP } from 'node:net';
import { RateLimited } from '@kryonix/domain';
import { bearerMatches } from './bearer';
import { ClientAddresses, type PeerRequest } from './client-address';

export interface AuthFailureLimiterOptions {
  /** Wrong secrets one client may present within a window (KRYONIX_AUTH_FAILURE_LIMIT); the next request is refused. */
  maxFailures: number;
  windowMs?: number;
  /** KRYONIX_TRUSTED_PROXIES: whose X-Forwarded-For is believed. */
  trustedProxies?: readonly string[];
  /** The CLI's local agent: its Unix socket is reached only by its own user, so nothing is counted there. */
  exempt?: boolean;
  /** Where kryonix_auth_failures_total and kryonix_auth_blocked_total are registered. */
  registry?: Registry;
  /** The surfaces whose counters start at 0 (a series that appears only on the first failure hides the first increase). */
  surfaces?: readonly string[];
  now?: () => number;
  /** Default: a Nest logger "auth" (warn). */
  log?: (message: string) => void;
}

interface Window {
  endsAt: number;
  failures: number;
  /** Whether "blocked" was logged in this window. */
  logged: boolean;
}

/** At most this many clients are remembered (a few MB). */
const MAX_CLIENTS = 100_000;

/**
 * Slows down guessing of any secret a client presents to an operator surface (the
 * operator token, the metrics token, later the console's sign-in). Per client address:
 * once it has presented `maxFailures` wrong secrets within a fixed window (the first
 * failure opens it, 1 minute by default), every request of it to a guarded surface is
 * refused with 429 and `Retry-After` (seconds until the window ends) without looking at
 * the secret, so guessing right meanwhile gains nothing. IPv6 clients count by their /64
 * (one host holds a whole /64). Counts live in this process's memory: each server and each
 * replica counts on its own, and a restart forgets them.
 *
 * Only a secret that was presented and is wrong counts: a request without any is refused
 * (401) but guesses nothing.
 */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly addresses: ClientAddresses;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  private readonly failures?: Counter<'surface'>;
  private readonly blocked?: Counter<'surface'>;

  constructor(private readonly options: AuthFailureLimiterOptions) {
    this.addresses = new ClientAddresses(options.trustedProxies);
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
    const logger = new Logger('auth');
    this.log = options.log ?? ((message) => logger.warn(message));
    if (options.registry) {
      this.failures = new Counter({ name: 'kryonix_auth_failures_total', help: 'Wrong secrets presented (operator token, metrics token), by surface.', labelNames: ['surface'], registers: [options.registry] });
      this.blocked = new Counter({ name: 'kryonix_auth_blocked_total', help: 'Requests refused with 429 because their client presented too many wrong secrets, by surface.', labelNames: ['surface'], registers: [options.registry] });
      for (const surface of options.surfaces ?? []) {
        this.failures.inc({ surface }, 0);
        this.blocked.inc({ surface }, 0);
      }
    }
  }

  /**
   * The one entry of a guarded surface: 429 (RateLimited) while the request's client is
   * blocked, else `check()`'s answer; a wrong secret that was `presented` counts against
   * the client. The caller answers false with its own 401.
   */
  verify(request: PeerRequest, surface: string, presented: boolean, check: () => boolean): boolean {
    if (this.options.exempt) return check();
    const client = bucketOf(this.addresses.of(request));
    const now = this.now();
    let window = this.windows.get(client);
    if (window && window.endsAt <= now) {
      this.windows.delete(client);
      window = undefined;
    }
    if (window && window.failures >= this.options.maxFailures) {
      this.blocked?.inc({ surface });
      const seconds = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
      throw new RateLimited(`Too many wrong secrets from your address; try again in ${seconds} s.`, seconds);
    }
    if (check()) return true;
    if (!presented) return false;
    this.failures?.inc({ surface });
    if (!window) {
      this.makeRoom(now);
      window = { endsAt: now + this.windowMs, failures: 0, logged: false };
      this.windows.set(client, window);
    }
    window.failures++;
    if (window.failures >= this.options.maxFailures && !window.logged) {
      window.logged = true;
      const seconds = Math.ceil((window.endsAt - now) / 1000);
      // The address only, never what was presented.
      this.log(`client ${client} presented ${window.failures} wrong secrets (last: ${surface}) within ${this.windowMs / 1000} s; its requests get 429 for ${seconds} s`);
    }
    return false;
  }

  /**
   * `verify` for a bearer token (`Authorization: Bearer <expected>`, in constant time): a
   * request with no Authorization header presented nothing, so it is not counted.
   */
  verifyBearer(request: PeerRequest, surface: string, expected: string): boolean {
    const authorization = request.headers.authorization;
    const header = typeof authorization === 'string' ? authorization : undefined;
    return this.verify(request, surface, header !== undefined, () => bearerMatches(header, expected));
  }

  /**
   * Windows are inserted as they open, all of one length, so the Map's order is the order
   * they end in: finished ones are dropped from the front, and when all are live (more
   * failing clients than MAX_CLIENTS within a window) the oldest goes.
   */
  private makeRoom(now: number): void {
    for (const [client, window] of this.windows) {
      if (window.endsAt > now && this.windows.size < MAX_CLIENTS) break;
      this.windows.delete(client);
    }
  }
}

/** What failures count against: an IPv4 address, or the /64 of an IPv6 one. */
function bucketOf(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
