import type { StepEvent } from '@kryonix/provisioning';
import type { BackupEntry, BackupFilter, AddServerInput, CopyProgress, DrainProgress, DrainResult, RebalanceProgress, RebalanceResult, MoveResult, RebalancePlan, ServerSummary, CreatedTenant, DeletionResult, ModuleSummary, ModulesChange, ProvisioningLogRecord, RotatedApiKey, StatusChange, TenantConnection, TenantDetails, TenantFilter, TenantSummary } from '@kryonix/tenants';

export type { CreatedTenant };

/**
 * What the CLI can ask of Kryonix. Two implementations: in-process (the CQRS
 * core on this machine) and over HTTP (a running control plane, `--api`, or the local agent).
 */
export interface TenantService {
  create(input: { id: string; name: string; modules: string[]; mode: string; server?: string; tags?: Record<string, string> }, onStep?: (e: StepEvent) => void): Promise<CreatedTenant>;
  repair(id: string, onStep?: (e: StepEvent) => void): Promise<CreatedTenant>;
  list(filter: TenantFilter): Promise<TenantSummary[]>;
  show(id: string): Promise<TenantDetails>;
  log(id: string): Promise<ProvisioningLogRecord[]>;
  modules(): Promise<ModuleSummary[]>;
  /** The backups in KRYONIX_BACKUP_DIR (of one tenant, or one backup): where the core runs, or the control plane's. */
  listBackups(filter: BackupFilter): Promise<BackupEntry[]>;
  suspend(id: string): Promise<StatusChange>;
  resume(id: string): Promise<StatusChange>;
  undelete(id: string): Promise<StatusChange>;
  delete(id: string, purge: boolean): Promise<DeletionResult>;
  rotateKey(id: string, overlapMs: number): Promise<RotatedApiKey>;
  changeModules(id: string, modules: string[], purge: boolean): Promise<ModulesChange>;
  setRateLimit(id: string, perMinute: number | null): Promise<{ id: string; rateLimitPerMinute: number | null }>;
  rotateCredentials(id: string): Promise<{ id: string; role: string }>;
  revealConnection(id: string): Promise<TenantConnection>;
  addServer(input: AddServerInput): Promise<ServerSummary>;
  listServers(): Promise<ServerSummary[]>;
  showServer(name: string): Promise<ServerSummary>;
  setServerState(name: string, state: 'active' | 'cordoned'): Promise<{ name: string; state: 'active' | 'cordoned' }>;
  removeServer(name: string): Promise<{ name: string; removed: true }>;
  /** Moves every tenant off a server; `onTenant` sees each as it ends (through --api: once the drain is over). */
  drainServer(name: string, concurrency: number, onTenant?: (p: DrainProgress) => void): Promise<DrainResult>;
  planRebalance(): Promise<RebalancePlan>;
  /** Plans and carries out the moves; `onMove` sees each as it ends (through --api: once all are over). */
  applyRebalance(concurrency: number, onMove?: (p: RebalanceProgress) => void): Promise<RebalanceResult>;
  /** Moves a tenant to another server; `onPhase` sees each phase as it ends, `onProgress` the copy's progress (through --api: as the job's result carries them, every 250 ms). */
  move(input: { id: string; to: string; attempts?: number }, onPhase?: (e: StepEvent) => void, onProgress?: (p: CopyProgress) => void): Promise<MoveResult>;
}
