import { Kysely, sql } from 'kysely';
import { GATEWAY_ROLE, assertSafeIdentifier } from '@kryonix/domain';

/** How often a role's setup lost a race with another session before it gives up. */
const ROLE_RACE_ATTEMPTS = 6;

/**
 * Another session changed or made the same role at the same moment: "tuple concurrently updated"
 * (XX000), a serialization failure, duplicate_object, or the catalog's unique index. The next try
 * sees the role that the other session made.
 */
function isRoleRace(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'XX000') return /concurrently/.test(message ?? '');
  return code === '40001' || code === '42710' || code === '23505';
}

/** A quoted identifier, checked first: the only way a name enters SQL here. */
const id = (name: string) => sql.id(assertSafeIdentifier(name));

/**
 * Server-wide SQL that is not about one tenant: whether roles and databases exist,
 * making a database, closing databases to PUBLIC, the data plane's gateway role.
 * `admin` is any connection of the admin role.
 */
export class ServerRepository {
  /** Answers or throws the driver's error (3D000 when the database is missing). */
  async probe<DB>(db: Kysely<DB>): Promise<void> {
    await sql`SELECT 1`.execute(db);
  }

  async roleExists<DB>(admin: Kysely<DB>, role: string): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`SELECT 1 AS n FROM pg_catalog.pg_roles WHERE rolname = ${role}`.execute(admin);
    return rows.length > 0;
  }

  async databaseExists<DB>(admin: Kysely<DB>, database: string): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`SELECT 1 AS n FROM pg_catalog.pg_database WHERE datname = ${database}`.execute(admin);
    return rows.length > 0;
  }

  /** Creates a database nobody but its grantees can connect to; tolerates a concurrent creator. Returns whether it made it. */
  async ensureDatabase<DB>(admin: Kysely<DB>, database: string, template?: string): Promise<boolean> {
    if (await this.databaseExists(admin, database)) return false;
    try {
      if (template) await sql`CREATE DATABASE ${id(database)} TEMPLATE ${id(template)} STRATEGY WAL_LOG`.execute(admin);
      else await sql`CREATE DATABASE ${id(database)}`.execute(admin);
    } catch (error) {
      // Someone else made it: duplicate_database, or the catalog's unique index when both raced.
      const code = (error as { code?: string }).code;
      if (code === '42P04' || (code === '23505' && (error as { constraint?: string }).constraint === 'pg_database_datname_index')) return false;
      throw error;
    }
    await sql`REVOKE ALL ON DATABASE ${id(database)} FROM PUBLIC`.execute(admin);
    return true;
  }

  /** Tenant roles must not connect to the registry (nor, on our own server, to the maintenance databases). */
  async lockDownDatabases<DB>(admin: Kysely<DB>, databases: readonly string[]): Promise<void> {
    for (const database of databases) {
      if (await this.databaseExists(admin, database)) await sql`REVOKE CONNECT, TEMPORARY ON DATABASE ${id(database)} FROM PUBLIC`.execute(admin);
    }
  }

  /**
   * The data plane's role (see GATEWAY_ROLE): created once, NOINHERIT. With
   * `resetPassword` (the data plane at start) its password is set again, so it
   * always matches the master key of the process that logs in with it.
   */
  async ensureGatewayRole<DB>(admin: Kysely<DB>, scramVerifier: string, resetPassword = false): Promise<void> {
    // Roles are cluster-wide rows: two sessions altering the same one at the same moment fail with "tuple
    // concurrently updated". Sessions of one database (every data plane uses the admin URL's) take turns on an
    // advisory lock; those of other databases (a process's own registry database) may still collide: tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.transaction().execute(async (trx) => {
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`kryonix:role:${GATEWAY_ROLE}`}))`.execute(trx);
          if (!(await this.roleExists(trx, GATEWAY_ROLE))) {
            await sql`CREATE ROLE ${id(GATEWAY_ROLE)} WITH LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${sql.lit(scramVerifier)}`.execute(trx);
          } else if (resetPassword) {
            await sql`ALTER ROLE ${id(GATEWAY_ROLE)} WITH LOGIN PASSWORD ${sql.lit(scramVerifier)}`.execute(trx);
          }
        });
        return;
      } catch (error) {
        if (attempt >= ROLE_RACE_ATTEMPTS || !isRoleRace(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 40));
      }
    }
  }

  /** Storage of Kryonix's tenant databases on this server, and its client connections now. */
  async usage<DB>(admin: Kysely<DB>): Promise<{ storageBytes: number; connections: number }> {
    const { rows } = await sql<{ storage: string; connections: string }>`
      SELECT (SELECT coalesce(sum(pg_database_size(oid)), 0) FROM pg_catalog.pg_database WHERE datname LIKE 'kryonix\_%' AND datallowconn) AS storage,
             (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend') AS connections`.execute(admin);
    return { storageBytes: Number(rows[0]!.storage), connections: Number(rows[0]!.connections) };
  }

  /** What `server add` checks of a server, read as the admin role: its version, the role's rights, replication settings. */
  async inspect<DB>(admin: Kysely<DB>): Promise<ServerFacts> {
    const { rows } = await sql<{
      version_num: string;
      superuser: boolean;
      createdb: boolean;
      createrole: boolean;
      replication: boolean;
      create_subscription: boolean;
      wal_level: string;
      max_replication_slots: string;
      max_wal_senders: string;
      max_logical_replication_workers: string;
      max_sync_workers_per_subscription: string;
      max_worker_processes: string;
      slots_used: string;
      senders_used: string;
      slots_held: string;
      senders_held: string;
      logical_workers_held: string;
      background_workers_held: string;
    }>`
      SELECT current_setting('server_version_num') AS version_num,
             r.rolsuper AS superuser, r.rolcreatedb AS createdb, r.rolcreaterole AS createrole, r.rolreplication AS replication,
             (r.rolsuper OR (current_setting('server_version_num')::int >= 160000
                             AND pg_has_role(current_user, 'pg_create_subscription', 'MEMBER'))) AS create_subscription,
             current_setting('wal_level') AS wal_level,
             current_setting('max_replication_slots') AS max_replication_slots,
             current_setting('max_wal_senders') AS max_wal_senders,
             current_setting('max_logical_replication_workers') AS max_logical_replication_workers,
             current_setting('max_sync_workers_per_subscription') AS max_sync_workers_per_subscription,
             (SELECT count(*) FROM pg_catalog.pg_replication_slots) AS slots_used,
             current_setting('max_worker_processes') AS max_worker_processes,
             (SELECT count(*) FROM pg_catalog.pg_stat_replication) AS senders_used,
             -- held for as long as they last, unlike a table copy's slot, WAL sender and worker (pg_<oid>_sync_…),
             -- which end with that table's copy: slots and WAL senders of subscriptions and others, an apply
             -- worker per enabled subscription (running or about to be), background workers but parallel
             -- query and table-sync ones
             (SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE slot_name !~ ${TABLE_SYNC}) AS slots_held,
             (SELECT count(*) FROM pg_catalog.pg_stat_replication WHERE coalesce(application_name, '') !~ ${TABLE_SYNC}) AS senders_held,
             (SELECT count(*) FROM pg_catalog.pg_subscription WHERE subenabled) AS logical_workers_held,
             ((SELECT count(*) FROM pg_catalog.pg_stat_activity a
                WHERE a.backend_type NOT IN (${sql.join(NOT_BACKGROUND_WORKERS.map((t) => sql.lit(t)))}, 'parallel worker')
                  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_subscription w WHERE w.pid = a.pid AND w.relid IS NOT NULL))
              + (SELECT count(*) FROM pg_catalog.pg_subscription s WHERE s.subenabled AND NOT EXISTS (
                   SELECT 1 FROM pg_catalog.pg_stat_subscription w WHERE w.subid = s.oid AND w.pid IS NOT NULL AND w.relid IS NULL))) AS background_workers_held
        FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`.execute(admin);
    const r = rows[0]!;
    return {
      versionNum: Number(r.version_num),
      superuser: r.superuser,
      createdb: r.createdb,
      createrole: r.createrole,
      replication: r.replication,
      createSubscription: r.create_subscription,
      walLevel: r.wal_level,
      maxReplicationSlots: Number(r.max_replication_slots),
      maxWalSenders: Number(r.max_wal_senders),
      maxLogicalReplicationWorkers: Number(r.max_logical_replication_workers),
      maxSyncWorkersPerSubscription: Number(r.max_sync_workers_per_subscription),
      replicationSlotsUsed: Number(r.slots_used),
      walSendersUsed: Number(r.senders_used),
      maxWorkerProcesses: Number(r.max_worker_processes),
      replicationSlotsHeld: Number(r.slots_held),
      walSendersHeld: Number(r.senders_held),
      logicalWorkersHeld: Number(r.logical_workers_held),
      backgroundWorkersHeld: Number(r.background_workers_held),
    };
  }
}

/** The names of a subscription's table-copy slots and WAL senders (`pg_<oid>_sync_<relid>_<system id>`). */
const TABLE_SYNC = '^pg_[0-9]+_sync_';

/** The processes of pg_stat_activity that are not background workers (PostgreSQL 14–18): these take no place of max_worker_processes. */
const NOT_BACKGROUND_WORKERS = [
  'client backend',
  'standalone backend',
  'walsender',
  'walreceiver',
  'startup',
  'autovacuum launcher',
  'autovacuum worker',
  'background writer',
  'checkpointer',
  'walwriter',
  'archiver',
  'logger',
  'walsummarizer',
  'slotsync worker',
  'io worker',
] as const;

/** A server as `inspect` found it. */
export interface ServerFacts {
  versionNum: number;
  superuser: boolean;
  createdb: boolean;
  createrole: boolean;
  replication: boolean;
  /** Whether the admin role may create subscriptions: superuser, or pg_create_subscription from 16 on. */
  createSubscription: boolean;
  walLevel: string;
  maxReplicationSlots: number;
  maxWalSenders: number;
  maxLogicalReplicationWorkers: number;
  maxSyncWorkersPerSubscription: number;
  replicationSlotsUsed: number;
  walSendersUsed: number;
  maxWorkerProcesses: number;
  /**
   * What is held for as long as its subscription (or whatever made it) lasts, not what a
   * table's copy takes and gives back once that table is copied: slots and WAL senders but
   * table-sync ones, an apply worker per enabled subscription, background workers but
   * parallel query and table-sync ones (the launcher, apply workers, extensions').
   */
  replicationSlotsHeld: number;
  walSendersHeld: number;
  logicalWorkersHeld: number;
  backgroundWorkersHeld: number;
}

/** The oldest major Kryonix places tenants on (publications FOR TABLE, the SQL of the modules). */
export const MIN_SERVER_VERSION_NUM = 140000;

/**
 * What keeps a server from taking tenants (and, with `moves`, from moving them in or
 * out), each item saying what to set. Empty: fit.
 */
export function serverProblems(facts: ServerFacts, moves: boolean): string[] {
  const problems: string[] = [];
  if (facts.versionNum < MIN_SERVER_VERSION_NUM) problems.push(`PostgreSQL ${Math.floor(facts.versionNum / 10000)} is too old: 14 or newer is needed`);
  if (!facts.superuser && !facts.createdb) problems.push('the admin role cannot create databases: ALTER ROLE … CREATEDB');
  if (!facts.superuser && !facts.createrole) problems.push('the admin role cannot create roles: ALTER ROLE … CREATEROLE');
  if (!moves) return problems;
  const more = ' (or add the server with --no-moves)';
  if (facts.walLevel !== 'logical') problems.push(`wal_level is ${facts.walLevel}: set wal_level = logical and restart PostgreSQL${more}`);
  // a move holds one slot and one WAL sender on its source, one apply worker and one table-sync worker on its target
  if (facts.maxReplicationSlots - facts.replicationSlotsUsed < 1) problems.push(`no free replication slot (max_replication_slots = ${facts.maxReplicationSlots}, ${facts.replicationSlotsUsed} in use): raise max_replication_slots${more}`);
  if (facts.maxWalSenders - facts.walSendersUsed < 1) problems.push(`no free WAL sender (max_wal_senders = ${facts.maxWalSenders}, ${facts.walSendersUsed} in use): raise max_wal_senders${more}`);
  if (facts.maxLogicalReplicationWorkers < 2) problems.push(`max_logical_replication_workers = ${facts.maxLogicalReplicationWorkers}: at least 2 are needed${more}`);
  if (facts.maxSyncWorkersPerSubscription < 1) problems.push(`max_sync_workers_per_subscription = ${facts.maxSyncWorkersPerSubscription}: at least 1 is needed${more}`);
  if (!facts.createSubscription) {
    problems.push(
      facts.versionNum >= 160000
        ? `the admin role may not create subscriptions: GRANT pg_create_subscription TO <admin role>${more}`
        : `before PostgreSQL 16 only a superuser may create subscriptions: use a superuser admin URL${more}`,
    );
  }
  if (!facts.superuser && !facts.replication && !facts.createrole) problems.push(`the admin role can make no role with REPLICATION for a move's copy: give it CREATEROLE or REPLICATION${more}`);
  return problems;
}

/**
 * What one more move needs free on a server, beyond what is held there for good: on its
 * source a replication slot and a WAL sender for its subscription plus one of each for a
 * table being copied; on its target an apply worker plus a table-sync worker (logical
 * replication workers, each a background worker of max_worker_processes). The table copies
 * of other moves end by themselves and are waited for, but with only held ones left there
 * the copy would wait for ever, so the move is refused up front instead.
 */
export const MOVE_NEEDS = { slots: 2, walSenders: 2, workers: 2 } as const;

/**
 * Why a server has no room now for one more move as its `side` (each item naming the setting
 * and what to do). `starting`: moves recorded for that side whose subscription is not made
 * yet (each will hold one slot and one WAL sender, or one apply worker). Empty: room.
 */
export function moveRoomProblems(facts: ServerFacts, side: 'source' | 'target', starting = 0): string[] {
  const problems: string[] = [];
  const room = (setting: string, max: number, held: number, needs: number, what: string) => {
    if (max - held - starting >= needs) return;
    const soon = starting ? ` and ${starting} for ${starting === 1 ? 'a move' : `${starting} moves`} starting` : '';
    problems.push(`${setting} = ${max} with ${held} in use${soon}, and a move needs ${needs} free on its ${side} (${what}): raise ${setting} (and restart PostgreSQL) or wait for the moves under way`);
  };
  if (side === 'source') {
    room('max_replication_slots', facts.maxReplicationSlots, facts.replicationSlotsHeld, MOVE_NEEDS.slots, "its subscription's slot and a table copy's");
    room('max_wal_senders', facts.maxWalSenders, facts.walSendersHeld, MOVE_NEEDS.walSenders, "its subscription's and a table copy's");
  } else {
    room('max_logical_replication_workers', facts.maxLogicalReplicationWorkers, facts.logicalWorkersHeld, MOVE_NEEDS.workers, 'an apply worker and a table-sync worker');
    room('max_worker_processes', facts.maxWorkerProcesses, facts.backgroundWorkersHeld, MOVE_NEEDS.workers, 'its two logical replication workers are background workers');
  }
  return problems;
}

/**
 * How many moves a server can carry at once, as read now (drain and rebalance stay within
 * it). Into it: at most half its max_logical_replication_workers (an apply worker and a
 * table-sync worker each), and no more than its logical replication and background workers
 * not held by others allow. Out of it: its free slots and WAL senders, each move holding one
 * for its subscription and up to max_sync_workers_per_subscription more while it copies. At
 * least one.
 */
export function moveCapacity(facts: ServerFacts): { source: number; target: number } {
  const perMove = 1 + Math.max(1, facts.maxSyncWorkersPerSubscription);
  const freeWorkers = Math.min(facts.maxLogicalReplicationWorkers - facts.logicalWorkersHeld, facts.maxWorkerProcesses - facts.backgroundWorkersHeld);
  return {
    target: Math.max(1, Math.min(Math.floor(facts.maxLogicalReplicationWorkers / 2), Math.floor(freeWorkers / MOVE_NEEDS.workers))),
    source: Math.max(1, Math.floor(Math.min(facts.maxReplicationSlots - facts.replicationSlotsUsed, facts.maxWalSenders - facts.walSendersUsed) / perMove)),
  };
}
