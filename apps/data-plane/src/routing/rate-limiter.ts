import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
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
 * Per-tenant request limit, shared by every data plane through Redis. Without
 * Redis (or while it is down) there is no limit: serving goes on.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger('rate-limit');
  private readonly redis?: LimitedRedis;

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
    if (!this.redis || this.redis.status !== 'ready') return;
    const limit = route.rateLimitPerMinute ?? this.options.defaultPerMinute;
    let allowed: number;
    let retryAfterMs: number;
    try {
      [allowed, retryAfterMs] = await this.redis.slidingWindow(`kryonix:rate:${route.id}`, Date.now(), WINDOW_MS, limit, `${Date.now()}:${randomBytes(4).toString('hex')}`);
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limit check failed; request allowed');
      return;
    }
    if (!allowed) {
      throw new RateLimited(`Tenant "${route.id}" is over its limit of ${limit} requests per minute; retry later.`, Math.max(1, Math.ceil(retryAfterMs / 1000)));
    }
  }
}
