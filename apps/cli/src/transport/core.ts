import { type KryonixConfig, loadConfig } from '@kryonix/platform';
import { type KryonixCore, openCore } from '@kryonix/tenants';

export type Core = KryonixCore;

/** Opens the core (starting the embedded PostgreSQL when needed), runs `fn`, and closes everything. */
export async function withCore<R>(fn: (core: Core) => Promise<R>, config: KryonixConfig = loadConfig()): Promise<R> {
  const core = await openCore(config);
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}
