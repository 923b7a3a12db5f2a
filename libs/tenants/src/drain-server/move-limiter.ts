import { Inject, Injectable } from '@nestjs/common';
import { KRYONIX_CONFIG, type KryonixConfig, ServerRepository, moveCapacity, within } from '@kryonix/platform';
import { TenantServers } from '@kryonix/provisioning';

/**
 * The moves a drain or a rebalance runs at once out of and into each server, within what
 * each server's replication settings carry (moveCapacity, read once when the run begins):
 * a move whose source or target has no place left waits until one ends.
 */
export class MoveLimiter {
  private readonly out = new Map<string, number>();
  private readonly into = new Map<string, number>();
  private waiting: Array<() => void> = [];

  constructor(private readonly caps: ReadonlyMap<string, { source: number; target: number }>) {}

  /** Moves at once out of `name` (one for a server not read). */
  sourceCap(name: string): number {
    return this.caps.get(name)?.source ?? 1;
  }

  targetCap(name: string): number {
    return this.caps.get(name)?.target ?? 1;
  }

  /** Whether a move from `from` to `to` may start now. */
  fits(from: string, to: string): boolean {
    return (this.out.get(from) ?? 0) < this.sourceCap(from) && (this.into.get(to) ?? 0) < this.targetCap(to);
  }

  /** Takes a place on both servers (whether it fits or not: the caller decided); the returned function gives them back, once. */
  take(from: string, to: string): () => void {
    this.out.set(from, (this.out.get(from) ?? 0) + 1);
    this.into.set(to, (this.into.get(to) ?? 0) + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.out.set(from, this.out.get(from)! - 1);
      this.into.set(to, this.into.get(to)! - 1);
      const woken = this.waiting;
      this.waiting = [];
      for (const wake of woken) wake();
    };
  }

  /** Resolves when a move gives its places back. */
  released(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Moves under way now (taken, not given back). */
  get running(): number {
    let n = 0;
    for (const v of this.out.values()) n += v;
    return n;
  }
}

/** Reads the servers' replication limits for a drain or a rebalance (a server that does not answer within KRYONIX_ACQUIRE_TIMEOUT_MS: one move at a time). */
@Injectable()
export class MoveLimits {
  constructor(
    private readonly servers: TenantServers,
    private readonly facts: ServerRepository,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async read(names: Iterable<string>): Promise<MoveLimiter> {
    const caps = await Promise.all(
      [...new Set(names)].map(async (name) => {
        try {
          const facts = await within(this.facts.inspect((await this.servers.get(name)).admin), this.config.acquireTimeoutMs, () => new Error('timeout'));
          return [name, moveCapacity(facts)] as const;
        } catch {
          return [name, { source: 1, target: 1 }] as const;
        }
      }),
    );
    return new MoveLimiter(new Map(caps));
  }
}
