import type { Command as CqrsCommand } from '@nestjs/cqrs';
import {
  ChangeModulesCommand,
  CreateTenantCommand,
  DeleteTenantCommand,
  ListModulesQuery,
  ListBackupsQuery,
  ListTenantsQuery,
  RepairTenantCommand,
  ResumeTenantCommand, UndeleteTenantCommand,
  RotateApiKeyCommand,
  RotateCredentialsCommand,
  RevealConnectionCommand,
  AddServerCommand,
  ListServersQuery,
  SetServerStateCommand,
  RemoveServerCommand,
  DrainServerCommand,
  ApplyRebalanceCommand,
  PlanRebalanceQuery,
  SetRateLimitCommand,
  MoveTenantCommand,
  ShowTenantQuery,
  SuspendTenantCommand,
  TenantLogQuery,
  withAuditOrigin,
} from '@kryonix/tenants';
import { cliActor } from './agent';
import { withCore } from './core';
import type { TenantService } from './tenant-service';

/** Runs the CQRS core in this process; the core audits every mutating command as `cli:<os user>` through the `cli` door. */
export class InProcessTenantService implements TenantService {
  private readonly actor = cliActor();

  create(input: Parameters<TenantService['create']>[0], onStep?: Parameters<TenantService['create']>[1]) {
    return this.command(new CreateTenantCommand(input, onStep));
  }
  repair(id: string, onStep?: Parameters<TenantService['repair']>[1]) {
    return this.command(new RepairTenantCommand(id, onStep));
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
  listBackups(filter: Parameters<TenantService['listBackups']>[0]) {
    return withCore((core) => core.queries.execute(new ListBackupsQuery(filter)));
  }
  suspend(id: string) {
    return this.command(new SuspendTenantCommand(id));
  }
  resume(id: string) {
    return this.command(new ResumeTenantCommand(id));
  }
  undelete(id: string) {
    return this.command(new UndeleteTenantCommand(id));
  }
  delete(id: string, purge: boolean) {
    return this.command(new DeleteTenantCommand(id, purge));
  }
  rotateKey(id: string, overlapMs: number) {
    return this.command(new RotateApiKeyCommand(id, overlapMs));
  }
  changeModules(id: string, modules: string[], purge: boolean) {
    return this.command(new ChangeModulesCommand(id, modules, purge));
  }
  setRateLimit(id: string, perMinute: number | null) {
    return this.command(new SetRateLimitCommand(id, perMinute));
  }
  rotateCredentials(id: string) {
    return this.command(new RotateCredentialsCommand(id));
  }
  revealConnection(id: string) {
    return this.command(new RevealConnectionCommand(id));
  }
  addServer(input: Parameters<TenantService['addServer']>[0]) {
    return this.command(new AddServerCommand(input));
  }
  listServers() {
    return withCore((core) => core.queries.execute(new ListServersQuery()));
  }
  async showServer(name: string) {
    return (await withCore((core) => core.queries.execute(new ListServersQuery(name))))[0]!;
  }
  setServerState(name: string, state: 'active' | 'cordoned') {
    return this.command(new SetServerStateCommand(name, state));
  }
  removeServer(name: string) {
    return this.command(new RemoveServerCommand(name));
  }
  drainServer(name: string, concurrency: number, onTenant?: Parameters<TenantService['drainServer']>[2]) {
    return this.command(new DrainServerCommand(name, concurrency, onTenant));
  }
  applyRebalance(concurrency: number, onMove?: Parameters<TenantService['applyRebalance']>[1]) {
    return this.command(new ApplyRebalanceCommand(concurrency, onMove));
  }
  planRebalance() {
    return withCore((core) => core.queries.execute(new PlanRebalanceQuery()));
  }

  move(input: Parameters<TenantService['move']>[0], onPhase?: Parameters<TenantService['move']>[1], onProgress?: Parameters<TenantService['move']>[2]) {
    return this.command(new MoveTenantCommand(input, onPhase, undefined, onProgress));
  }

  private command<R>(command: CqrsCommand<R>): Promise<R> {
    return withCore((core) => withAuditOrigin({ actor: this.actor, door: 'cli' }, () => core.audited.execute(command)));
  }
}
