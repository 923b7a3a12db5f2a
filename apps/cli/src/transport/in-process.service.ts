import type { Command as CqrsCommand } from '@nestjs/cqrs';
import { describeError } from '@kryonix/domain';
import { ChangeModulesCommand, CreateTenantCommand, DeleteTenantCommand, ListModulesQuery, ListTenantsQuery, RecordAuditCommand, RepairTenantCommand, ResumeTenantCommand, RotateApiKeyCommand, RotateCredentialsCommand, SetRateLimitCommand, ShowTenantQuery, SuspendTenantCommand, TenantLogQuery } from '@kryonix/tenants';
import { cliActor } from './agent';
import { Core, withCore } from './core';
import type { TenantService } from './tenant-service';

/** Runs the CQRS core in this process; every mutating command is audited as `cli:<os user>`. */
export class InProcessTenantService implements TenantService {
  private readonly actor = cliActor();

  create(input: { id: string; name: string; modules: string[]; mode: string }, onStep?: Parameters<TenantService['create']>[1]) {
    return this.mutate('tenant create', input.id, async (core) => {
      const { files: _files, ...tenant } = await core.commands.execute(new CreateTenantCommand(input, onStep));
      return tenant;
    });
  }
  repair(id: string, onStep?: Parameters<TenantService['repair']>[1]) {
    return this.mutate('tenant repair', id, async (core) => {
      const { files: _files, ...tenant } = await core.commands.execute(new RepairTenantCommand(id, onStep));
      return tenant;
    });
  }
  list(filter: Parameters<TenantService['list']>[0]) {
    return withCore((core) => core.queries.execute(new ListTenantsQuery(filter)));
  }
  show(id: string) {
    return withCore((core) => core.queries.execute(new ShowTenantQuery(id)));
  }
  log(id: string) {
    return withCore((core) => core.queries.execute(new TenantLogQuery(id)));
  }
  modules() {
    return withCore((core) => core.queries.execute(new ListModulesQuery()));
  }
  suspend(id: string) {
    return this.command('tenant suspend', id, new SuspendTenantCommand(id));
  }
  resume(id: string) {
    return this.command('tenant resume', id, new ResumeTenantCommand(id));
  }
  delete(id: string, purge: boolean) {
    return this.command(purge ? 'tenant delete --purge' : 'tenant delete', id, new DeleteTenantCommand(id, purge));
  }
  rotateKey(id: string, overlapMs: number) {
    return this.command('tenant rotate-key', id, new RotateApiKeyCommand(id, overlapMs));
  }
  changeModules(id: string, modules: string[], purge: boolean) {
    return this.command(purge ? 'tenant modules --purge' : 'tenant modules', id, new ChangeModulesCommand(id, modules, purge));
  }
  setRateLimit(id: string, perMinute: number | null) {
    return this.command('tenant rate-limit', id, new SetRateLimitCommand(id, perMinute));
  }
  rotateCredentials(id: string) {
    return this.command('tenant rotate-credentials', id, new RotateCredentialsCommand(id));
  }

  private command<R>(action: string, target: string, command: CqrsCommand<R>): Promise<R> {
    return this.mutate(action, target, (core) => core.commands.execute(command));
  }

  /** Runs a mutating command and records its outcome in the audit log, success or failure. */
  private mutate<R>(action: string, target: string, fn: (core: Core) => Promise<R>): Promise<R> {
    return withCore(async (core) => {
      const audit = (outcome: 'success' | 'failure', details: Record<string, unknown>) =>
        core.commands.execute(new RecordAuditCommand({ actor: this.actor, action, target: target.slice(0, 100), outcome, details }));
      try {
        const result = await fn(core);
        await audit('success', {});
        return result;
      } catch (error) {
        await audit('failure', { code: describeError(error).code }).catch(() => undefined);
        throw error;
      }
    });
  }
}
