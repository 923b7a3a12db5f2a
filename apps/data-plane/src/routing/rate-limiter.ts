import { randomBytes } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimited } from '@kryonix/domain';
import type { TenantRoute } from '@kryonix/routes';

export interface RateLimitOptions {
  redisUrl?: string;
  /** KRYONIX_RATE_LIMIT: requests per minute of a tenant without its own limit. */
  defaultPerMinute: number;
}
export const RATE_LIMIT_OPTIONS = Symbol('RATE_LIMIT_OPTIONS');

const WINDOW_MS = 60_000;

/** Sliding window in one sorted set per tenant; atomic in Redis. Returns [allowed, retryAfterMs]. */
const SLIDING_WINDOW = `
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, window)
return {1, 0}`;

type LimitedRedis = Redis & { slidingWindow(key: string, now: number, window: number, limit: number, member: string): Promise<[number, number]> };

/**
 * Per-tenant request limit: with Redis, one sliding window shared by every data plane;
 * without Redis (or while it is down), the same limit counted by this process alone
 * (`LocalWindows`), so a limit always takes effect.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly redis?: LimitedRedis;
  private readonly local = new LocalWindows(WINDOW_MS);

  constructor(@Inject(RATE_LIMIT_OPTIONS) private readonly options: RateLimitOptions) {
    if (!options.redisUrl) return;
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 200, 2000) });
    redis.on('error', () => undefined);
    redis.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
    this.redis = redis as LimitedRedis;
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }

  async check(route: TenantRoute): Promise<void> {
    const limit = route.rateLimitPerMinute ?? this.options.defaultPerMinute;
    // Redis's shared window when it answers; this process's own count when there is no Redis or it fails
    const shared =
      this.redis?.status === 'ready'
        ? await this.redis.slidingWindow(`kryonix:rate:${route.id}`, Date.now(), WINDOW_MS, limit, `${Date.now()}:${randomBytes(4).toString('hex')}`).catch(() => undefined)
        : undefined;
    const [allowed, retryAfterMs] = shared ?? this.local.take(route.id, Date.now(), limit);
    if (!allowed) {
      throw new RateLimited(`Tenant "${route.id}" is over its limit of ${limit} requests per minute; retry later.`, Math.max(1, Math.ceil(retryAfterMs / 1000)));
    }
  }
}

/**
 * This process's own count of each tenant's requests, as a sliding window estimated from
 * two fixed windows (the previous minute's count, weighted by how much of it still
 * overlaps, plus this minute's): constant memory per tenant, however high the limit.
 */
export class LocalWindows {
  private readonly windows = new Map<string, { start: number; current: number; previous: number }>();

  constructor(private readonly windowMs: number) {}

  /** [1, 0] and counts the request, or [0, ms until it would be allowed]. */
  take(key: string, now: number, limit: number): [number, number] {
    const start = now - (now % this.windowMs);
    let w = this.windows.get(key);
    if (!w || start - w.start >= 2 * this.windowMs) w = { start, current: 0, previous: 0 };
    else if (start !== w.start) w = { start, current: 0, previous: w.current };
    this.windows.set(key, w);
    if (this.windows.size > 100_000) this.windows.delete(this.windows.keys().next().value!); // a bound, oldest first
    const overlap = 1 - (now - start) / this.windowMs;
    const used = w.previous * overlap + w.current;
    if (used + 1 > limit) {
      // when the previous window's share has shrunk enough (or the next window starts)
      const needed = w.previous > 0 ? Math.ceil(((used + 1 - limit) / w.previous) * this.windowMs) : start + this.windowMs - now;
      return [0, Math.max(1, Math.min(needed, start + this.windowMs - now + this.windowMs))];
    }
    w.current++;
    return [1, 0];
  }
}
