import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Numeric = ColumnType<string, number | string | null | undefined, number | string | null>;

export interface ClientesTable {
  id: string;
  nome: string;
  database_name: string;
  subdomain: string;
  modulos_contratados: JSONColumnType<string[], string, string>;
  isolation_mode: 'database' | 'schema';
  status: 'provisioning' | 'active' | 'suspended' | 'deleting';
  role_name: string;
  role_password_enc: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  suspended_at: Timestamp | null;
  deleted_at: Timestamp | null;
  purge_after: Timestamp | null;
  status_before_delete: 'active' | 'suspended' | null;
  rate_limit_per_minute: number | null;
  /** The server the tenant lives on (tenant_management.servers). */
  server_name: ColumnType<string, string | undefined, string>;
}

export interface ServersTable {
  name: string;
  admin_url_enc: string | null;
  replication_url_enc: string | null;
  state: 'active' | 'cordoned' | 'draining';
  max_tenants: number | null;
  max_storage_bytes: ColumnType<string | null, number | null | undefined, number | null>;
  tags: JSONColumnType<Record<string, string>, string, string>;
  moves: boolean;
  pg_version_num: number | null;
  last_seen_at: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LogsAutoCreationTable {
  id: Generated<string>;
  cliente_id: string;
  run_id: string | null;
  acao: string;
  status: string;
  detalhes: JSONColumnType<Record<string, unknown>, string, string>;
  duracao_ms: Numeric;
  tempo_execucao_segundos: ColumnType<string | null, never, never>;
  created_at: Timestamp;
}

export interface TenantModuleMigrationsTable {
  cliente_id: string;
  module: string;
  version: number;
  name: string;
  checksum: string;
  applied_at: Timestamp;
  duration_ms: Numeric;
}

export interface ApiKeysTable {
  id: Generated<string>;
  cliente_id: string;
  prefix: string;
  key_hash: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor: string;
  action: string;
  target: string | null;
  outcome: 'success' | 'failure';
  status_code: number | null;
  details: JSONColumnType<Record<string, unknown>, string, string>;
  /** How the call came in: http, cli (in-process), agent (the CLI's local agent); null for rows older than the column. */
  door: ColumnType<AuditDoor | null, AuditDoor | null | undefined, AuditDoor | null>;
}

/** How a call came in; `scheduler`: no door, the control plane's own schedule (KRYONIX_BACKUP_SCHEDULE) acting. */
export type AuditDoor = 'http' | 'cli' | 'agent' | 'console' | 'scheduler';

/** An operator console session (0010): the cookie's secret only as its SHA-256. */
export interface ConsoleSessionsTable {
  id: string;
  secret_hash: Buffer;
  csrf_secret_enc: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  client_address: string | null;
}

export interface JobsTable {
  id: string;
  kind: string;
  tenant_id: string | null;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  run_after: Timestamp;
  locked_by: string | null;
  heartbeat_at: Timestamp | null;
  result: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  error: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  /** Set for jobs queued at most once (0011): a second insert with the same key is a no-op. */
  unique_key: string | null;
}

export type MovePhase = 'prepare_target' | 'copy' | 'cut_over' | 'verify' | 'clean_up' | 'rolling_back' | 'done' | 'failed';

export interface MovesTable {
  id: string;
  tenant_id: string;
  source: string;
  target: string;
  isolation_mode: 'database' | 'schema';
  database_name: string;
  role_name: string;
  schemas: JSONColumnType<string[], string, string>;
  phase: MovePhase;
  attempts: Generated<number>;
  max_attempts: number;
  subscription_oid: ColumnType<string | null, number | null | undefined, number | null>;
  job_id: string | null;
  switched_at: Timestamp | null;
  verified: boolean | null;
  details: JSONColumnType<Record<string, unknown>, string | undefined, string>;
  error: string | null;
  source_purge_after: Timestamp | null;
  source_purged_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  finished_at: Timestamp | null;
}

export interface RegistryDatabase {
  'tenant_management.moves': MovesTable;
  'tenant_management.jobs': JobsTable;
  'tenant_management.audit_log': AuditLogTable;
  'tenant_management.clientes': ClientesTable;
  'tenant_management.logs_auto_creation': LogsAutoCreationTable;
  'tenant_management.tenant_module_migrations': TenantModuleMigrationsTable;
  'tenant_management.api_keys': ApiKeysTable;
  'tenant_management.servers': ServersTable;
  'tenant_management.console_sessions': ConsoleSessionsTable;
}
