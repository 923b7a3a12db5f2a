import { generateApiKey } from '@kryonix/platform';
import { ApiKeyRepository } from '@kryonix/registry';
import type { Step } from '../plan';
import type { RunContext } from './context';

/** A new API key (shown once); only its SHA-256 hash and prefix are stored. Undo: deletes the keys. */
export const issueApiKeyStep = (): Step<RunContext> => ({
  name: 'issue_api_key',
  run: async (ctx) => {
    if (!ctx.issueKey) return { issued: false };
    const key = generateApiKey(ctx.plan.id);
    await new ApiKeyRepository(ctx.admin).replace(ctx.plan.id, key.prefix, key.hash);
    ctx.apiKey = key;
    return { prefix: key.prefix };
  },
  undo: ({ admin, plan }) => new ApiKeyRepository(admin).deleteFor(plan.id),
});
