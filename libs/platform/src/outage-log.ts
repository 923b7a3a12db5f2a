/** Where outage lines go: a Nest Logger fits. Both lines are warnings: the second closes the first. */
export interface OutageLogger {
  warn(message: unknown, context?: string): void;
}

/**
 * One warning when a dependency (a PostgreSQL server, Redis) goes away and one line
 * when it is back, however many connections or requests notice in between: an outage
 * under load must not flood the log.
 */
export class OutageLog {
  private downSince?: number;

  constructor(
    private readonly logger: OutageLogger,
    /** What is away, as the operator knows it: "PostgreSQL", "Redis (route cache)". */
    private readonly what: string,
  ) {}

  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** A connection broke or could not be made. The reason is a message, never a URL. */
  failed(error: unknown): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    const reason = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
    this.logger.warn(`${this.what} unavailable (${reason}); retrying`);
  }

  /** A connection works again. */
  ok(): void {
    if (this.downSince === undefined) return;
    const ms = Date.now() - this.downSince;
    this.downSince = undefined;
    this.logger.warn(`${this.what} available again after ${ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`}`);
  }
}

/** What watchRedis needs of an ioredis client (the platform does not load ioredis itself). */
interface RedisEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/**
 * Every ioredis client gets this: its 'error' events are heard (ioredis prints
 * "[ioredis] Unhandled error event" for each reconnect attempt otherwise) and told once
 * per outage; it reconnects by itself, and says so once it is ready again.
 */
export function watchRedis<T extends RedisEvents>(redis: T, outage: OutageLog): T {
  redis.on('error', (error) => outage.failed(error));
  redis.on('ready', () => outage.ok());
  return redis;
}
