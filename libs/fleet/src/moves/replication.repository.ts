import { Kysely, sql } from 'kysely';
import { assertSafeIdentifier, quoteIdent } from '@kryonix/domain';

/** A quoted identifier, checked first: the only way a name enters SQL here. */
const id = (name: string) => sql.id(assertSafeIdentifier(name));

/** One table of a tenant. */
export interface TableRef {
  schema: string;
  table: string;
}

export interface TableFacts extends TableRef {
  /** A primary key, or a replica identity (FULL, or USING INDEX) that lets UPDATE and DELETE replicate. */
  identity: boolean;
  /** `name type, …` in column order: both copies must agree. */
  columns: string;
  /** The planner's estimate (pg_class.reltuples; 0 when never analysed): the largest is counted first. */
  estimatedRows: number;
}

/** `"schema"."table"`, checked and quoted. */
export const qualified = (t: TableRef): string => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
export const tableName = (t: TableRef): string => `${t.schema}.${t.table}`;

/** A sequence's state, as setval takes it. */
export interface SequenceValue {
  schema: string;
  name: string;
  lastValue: string;
  isCalled: boolean;
}

/** What a slot on the source says of how far the target has confirmed. */
export interface SlotFacts {
  name: string;
  active: boolean;
  activePid: number | null;
}

/**
 * The SQL of a tenant move (PostgreSQL logical replication): the tenant's tables and
 * sequences, publications on the source, subscriptions on the target, slots, the pause at
 * cut-over, row counts and checksums. `db` is a connection of the admin role in the
 * tenant's database; `admin` any admin connection of the server (cluster-wide objects).
 */
export class ReplicationRepository {
  /** The ordinary tables of `schemas`, with whether each can replicate UPDATE/DELETE and its columns. */
  async tables<DB>(db: Kysely<DB>, schemas: readonly string[]): Promise<TableFacts[]> {
    if (schemas.length === 0) return [];
    const { rows } = await sql<TableFacts>`
      SELECT n.nspname AS schema, c.relname AS table,
             (c.relreplident = 'f'
              OR (c.relreplident = 'i' AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisreplident))
              OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))) AS identity,
             coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                         FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') AS columns,
             greatest(c.reltuples, 0)::float8 AS "estimatedRows"
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ANY(${[...schemas]}::text[]) AND c.relkind = 'r'
       ORDER BY 1, 2`.execute(db);
    return rows;
  }

  /** The sequences of `schemas`. */
  async sequences<DB>(db: Kysely<DB>, schemas: readonly string[]): Promise<Array<{ schema: string; name: string }>> {
    if (schemas.length === 0) return [];
    const { rows } = await sql<{ schema: string; name: string }>`
      SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = ANY(${[...schemas]}::text[]) AND c.relkind = 'S' ORDER BY 1, 2`.execute(db);
    return rows;
  }

  /** Each sequence's last value and is_called, in one query. */
  async sequenceValues<DB>(db: Kysely<DB>, sequences: ReadonlyArray<{ schema: string; name: string }>): Promise<SequenceValue[]> {
    if (sequences.length === 0) return [];
    const parts = sequences.map((s) => sql`SELECT ${s.schema}::text AS schema, ${s.name}::text AS name, last_value::text AS "lastValue", is_called AS "isCalled" FROM ${id(s.schema)}.${id(s.name)}`);
    const { rows } = await sql<SequenceValue>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
    return rows;
  }

  async setSequences<DB>(db: Kysely<DB>, values: readonly SequenceValue[]): Promise<void> {
    if (values.length === 0) return;
    const parts = values.map((v) => sql`setval(${`${quoteIdent(v.schema)}.${quoteIdent(v.name)}`}::regclass, ${v.lastValue}::bigint, ${v.isCalled})`);
    await sql`SELECT ${sql.join(parts)}`.execute(db);
  }

  /** Empties tables this move has just made (a migration may seed rows; the copy brings the source's). */
  async truncate<DB>(db: Kysely<DB>, tables: readonly TableRef[]): Promise<void> {
    if (tables.length === 0) return;
    await sql`TRUNCATE ${sql.join(tables.map((t) => sql.raw(qualified(t))))}`.execute(db);
  }

  // ---- source: publication and the move's replication role ---------------------

  async createPublication<DB>(db: Kysely<DB>, name: string, tables: readonly TableRef[]): Promise<void> {
    await sql`DROP PUBLICATION IF EXISTS ${id(name)}`.execute(db);
    await sql`CREATE PUBLICATION ${id(name)} FOR TABLE ${sql.join(tables.map((t) => sql.raw(qualified(t))))}`.execute(db);
  }

  async dropPublication<DB>(db: Kysely<DB>, name: string): Promise<void> {
    await sql`DROP PUBLICATION IF EXISTS ${id(name)}`.execute(db);
  }

  /** A login role with REPLICATION for one move's subscription (the password reaches the server as a SCRAM verifier). */
  async createReplicationRole<DB>(admin: Kysely<DB>, role: string, scramVerifier: string): Promise<void> {
    await sql`DROP ROLE IF EXISTS ${id(role)}`.execute(admin);
    await sql`CREATE ROLE ${id(role)} WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD ${sql.lit(scramVerifier)}`.execute(admin);
  }

  /** Whether the server answers (a statement of its own: no table, no lock). */
  async ping<DB>(admin: Kysely<DB>): Promise<void> {
    await sql`SELECT 1`.execute(admin);
  }

  /** Ends the sessions of a role (a move role's WAL senders, a tenant role's direct logins). */
  async terminateSessions<DB>(admin: Kysely<DB>, role: string): Promise<void> {
    await sql`SELECT pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = ${role} AND pid <> pg_backend_pid()`.execute(admin);
  }

  // ---- target: subscription ------------------------------------------------------

  /**
   * The subscription (initial copy, then streaming) with a slot of the same name on the
   * source. Not in a transaction: creating its slot connects to the source now, so an
   * unreachable source fails here. `synchronous_commit = on`: the target flushes each
   * applied commit at once, so the source's slot hears of it at once too (with the
   * default `off` the cut-over waits for the target's WAL writer, hundreds of ms).
   */
  async createSubscription<DB>(db: Kysely<DB>, name: string, conninfo: string, publication: string): Promise<number> {
    await sql`CREATE SUBSCRIPTION ${id(name)} CONNECTION ${sql.lit(conninfo)} PUBLICATION ${id(publication)} WITH (copy_data = true, create_slot = true, slot_name = ${sql.lit(assertSafeIdentifier(name))}, synchronous_commit = 'on', enabled = true)`.execute(db);
    const oid = await this.subscriptionOid(db, name);
    if (oid === undefined) throw new Error(`subscription ${name} was not created`);
    return oid;
  }

  /**
   * Whether the server of `db` reaches a publisher at `conninfo`, from itself:
   * CREATE SUBSCRIPTION with connect = true connects to the publisher as logical replication
   * does (or fails with "could not connect to the publisher: …"); with create_slot = false,
   * slot_name = NONE and enabled = false it makes nothing there, and may run in a transaction
   * (PostgreSQL 14–18), which is always rolled back: nothing is left on either server. Throws
   * the server's error, or its statement timeout (57014) after `timeoutMs`.
   */
  async probeSubscription<DB>(db: Kysely<DB>, name: string, conninfo: string, timeoutMs: number): Promise<void> {
    const rolledBack = new Error('rolled back');
    try {
      await db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('statement_timeout', ${`${Math.max(1, Math.floor(timeoutMs))}ms`}, true)`.execute(trx);
        await sql`CREATE SUBSCRIPTION ${id(name)} CONNECTION ${sql.lit(conninfo)} PUBLICATION ${id(name)} WITH (connect = true, create_slot = false, slot_name = NONE, enabled = false, copy_data = false)`.execute(trx);
        throw rolledBack;
      });
    } catch (error) {
      if (error !== rolledBack) throw error;
    }
  }

  async subscriptionOid<DB>(db: Kysely<DB>, name: string): Promise<number | undefined> {
    const { rows } = await sql<{ oid: string }>`SELECT oid::text AS oid FROM pg_catalog.pg_subscription WHERE subname = ${name} AND subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())`.execute(db);
    return rows[0] ? Number(rows[0].oid) : undefined;
  }

  /** How many of the subscription's tables are in each sync state ('r' = ready: copied and streaming), and its error counts. */
  async syncProgress<DB>(db: Kysely<DB>, name: string): Promise<{ states: Record<string, number>; errors: number }> {
    const { rows } = await sql<{ state: string; n: string }>`
      SELECT r.srsubstate AS state, count(*)::text AS n FROM pg_catalog.pg_subscription_rel r
        JOIN pg_catalog.pg_subscription s ON s.oid = r.srsubid WHERE s.subname = ${name} GROUP BY 1`.execute(db);
    // pg_stat_subscription_stats (PostgreSQL 15+): failures of the copy or of applying
    const stats = await sql<{ errors: string }>`
      SELECT coalesce(sum(apply_error_count + sync_error_count), 0)::text AS errors FROM pg_catalog.pg_stat_subscription_stats WHERE subname = ${name}`
      .execute(db)
      .then((r) => Number(r.rows[0]?.errors ?? 0))
      .catch(() => 0);
    return { states: Object.fromEntries(rows.map((r) => [r.state, Number(r.n)])), errors: stats };
  }

  /** The workers running for the subscription on its server (copy workers have a relid), and how many logical replication workers that server has in all. */
  async subscriptionWorkers<DB>(db: Kysely<DB>, name: string): Promise<{ copying: number; running: number; max: number }> {
    const { rows } = await sql<{ copying: string; running: string; max: string }>`
      SELECT count(*) FILTER (WHERE s.subname = ${name} AND w.relid IS NOT NULL)::text AS copying,
             count(*)::text AS running,
             current_setting('max_logical_replication_workers') AS max
        FROM pg_catalog.pg_stat_subscription w JOIN pg_catalog.pg_subscription s ON s.oid = w.subid WHERE w.pid IS NOT NULL`.execute(db);
    return { copying: Number(rows[0]!.copying), running: Number(rows[0]!.running), max: Number(rows[0]!.max) };
  }

  /**
   * Rows of the tenant's tables on the target now (`db`: its database there): those of the
   * tables whose copy committed (pg_stat_user_tables, truncated before the copy) plus those a
   * table-sync COPY under way has written (pg_stat_progress_copy). An estimate: statistics
   * reach other sessions within a second or so.
   */
  async copiedRows<DB>(db: Kysely<DB>, schemas: readonly string[]): Promise<number> {
    if (schemas.length === 0) return 0;
    const { rows } = await sql<{ n: string }>`
      SELECT ((SELECT coalesce(sum(n_live_tup), 0) FROM pg_catalog.pg_stat_user_tables WHERE schemaname = ANY(${[...schemas]}::text[]))
            + (SELECT coalesce(sum(p.tuples_processed), 0) FROM pg_catalog.pg_stat_progress_copy p
                 JOIN pg_catalog.pg_class c ON c.oid = p.relid JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
                WHERE p.datid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
                  AND p.type = 'COPY FROM' AND ns.nspname = ANY(${[...schemas]}::text[])))::text AS n`.execute(db);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * How far the move's subscription is behind the source, in bytes of WAL: the source's
   * position now less what its slots (the subscription's and its table-sync slots)
   * confirmed; null while no slot of the move has confirmed anything yet. Read on the source.
   */
  async lagBytes<DB>(admin: Kysely<DB>, name: string, subscriptionOid: number | null): Promise<number | null> {
    const { rows } = await sql<{ lag: string | null }>`
      SELECT max(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), confirmed_flush_lsn))::text AS lag
        FROM pg_catalog.pg_replication_slots
       WHERE slot_name = ${name} OR (${subscriptionOid}::bigint IS NOT NULL AND slot_name LIKE ${`pg\_${subscriptionOid ?? 0}\_sync\_%`})`.execute(admin);
    const lag = rows[0]?.lag;
    return lag === null || lag === undefined ? null : Math.max(0, Number(lag));
  }

  /**
   * Drops the subscription. `withSlot`: DROP SUBSCRIPTION also drops its slots on the source
   * (it connects there); without (the source does not answer), the slot is detached first and
   * left for dropSlots on the source.
   */
  async dropSubscription<DB>(db: Kysely<DB>, name: string, withSlot: boolean): Promise<void> {
    if ((await this.subscriptionOid(db, name)) === undefined) return;
    if (!withSlot) {
      await sql`ALTER SUBSCRIPTION ${id(name)} DISABLE`.execute(db);
      await sql`ALTER SUBSCRIPTION ${id(name)} SET (slot_name = NONE)`.execute(db);
    }
    await sql`DROP SUBSCRIPTION IF EXISTS ${id(name)}`.execute(db);
  }

  // ---- source: slots ---------------------------------------------------------------

  /** The move's slot and the table-sync slots of its subscription (`pg_<oid>_sync_<relid>_<system id>`). */
  async slots<DB>(admin: Kysely<DB>, slot: string, subscriptionOid: number | null): Promise<SlotFacts[]> {
    const { rows } = await sql<SlotFacts>`
      SELECT slot_name AS name, active, active_pid AS "activePid" FROM pg_catalog.pg_replication_slots
       WHERE slot_name = ${slot} OR (${subscriptionOid !== null} AND slot_name LIKE ${`pg\\_${subscriptionOid ?? 0}\\_sync\\_%`})`.execute(admin);
    return rows;
  }

  /** Drops slots, ending the WAL sender that holds one first. */
  async dropSlots<DB>(admin: Kysely<DB>, slots: readonly SlotFacts[]): Promise<void> {
    for (const slot of slots) {
      for (let attempt = 0; ; attempt++) {
        try {
          await sql`SELECT pg_terminate_backend(active_pid) FROM pg_catalog.pg_replication_slots WHERE slot_name = ${slot.name} AND active_pid IS NOT NULL`.execute(admin);
          await sql`SELECT pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = ${slot.name}`.execute(admin);
          break;
        } catch (error) {
          // 55006: still active (its WAL sender is ending); 42704: gone meanwhile
          const code = (error as { code?: string }).code;
          if (code === '42704') break;
          if (code !== '55006' || attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  }

  // ---- cut-over --------------------------------------------------------------------

  /**
   * In the cut-over transaction: how long a lock may be waited for (the pause left), and,
   * where the role may set it (a superuser), a deadlock check after 20 ms instead of
   * deadlock_timeout (1 s): that check is what cancels an autovacuum holding one of the
   * tables, which otherwise makes the lock wait a whole second. Returns the backend's pid
   * and whether the fast check is on.
   */
  async prepareLock<DB>(trx: Kysely<DB>, ms: number): Promise<{ pid: number; fastDeadlockCheck: boolean }> {
    const { rows } = await sql<{ pid: number; fast: boolean }>`
      SELECT pg_backend_pid() AS pid, set_config('lock_timeout', ${`${Math.max(1, Math.floor(ms))}ms`}, true) IS NOT NULL
             AND CASE WHEN current_setting('is_superuser') = 'on' THEN set_config('deadlock_timeout', '20ms', true) IS NOT NULL ELSE false END AS fast`.execute(trx);
    return { pid: rows[0]!.pid, fastDeadlockCheck: rows[0]!.fast };
  }

  /** Who holds back backend `pid`'s lock: each blocker's kind (an autovacuum says which table), or its role; never a query's text. */
  async blockersOf<DB>(admin: Kysely<DB>, pid: number): Promise<string[]> {
    const { rows } = await sql<{ who: string }>`
      SELECT CASE WHEN a.backend_type = 'autovacuum worker' THEN 'autovacuum (' || left(a.query, 80) || ')'
                  ELSE coalesce(a.backend_type, 'backend') || ' of ' || coalesce(a.usename::text, '?') END AS who
        FROM pg_catalog.pg_stat_activity a WHERE a.pid = ANY(pg_catalog.pg_blocking_pids(${pid}::int))`.execute(admin);
    return rows.map((r) => r.who);
  }

  /** The tables among `tables` a VACUUM (often autovacuum) is working on now. */
  async vacuuming<DB>(db: Kysely<DB>, tables: readonly TableRef[]): Promise<string[]> {
    if (tables.length === 0) return [];
    const { rows } = await sql<{ t: string }>`
      SELECT n.nspname || '.' || c.relname AS t FROM pg_catalog.pg_stat_progress_vacuum v
        JOIN pg_catalog.pg_class c ON c.oid = v.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE v.datid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
         AND (n.nspname || '.' || c.relname) = ANY(${tables.map(tableName)}::text[])`.execute(db);
    return rows.map((r) => r.t);
  }

  /**
   * VACUUM (ANALYZE) of tables just copied: their visibility map is set (a count is then an
   * index-only scan), their hint bits too, and autovacuum has no inserts left to catch up
   * with (it would otherwise hold the tables when the next move's cut-over locks them).
   * Not in a transaction.
   */
  async vacuumAnalyze<DB>(db: Kysely<DB>, tables: readonly TableRef[]): Promise<void> {
    if (tables.length === 0) return;
    await sql`VACUUM (ANALYZE) ${sql.join(tables.map((t) => sql.raw(qualified(t))))}`.execute(db);
  }

  /** Stops every write to the tables (reads go on) until the transaction ends: direct logins too. */
  async lockForWrites<DB>(trx: Kysely<DB>, tables: readonly TableRef[]): Promise<void> {
    await sql`LOCK TABLE ${sql.join(tables.map((t) => sql.raw(qualified(t))))} IN EXCLUSIVE MODE`.execute(trx);
  }

  async currentWalLsn<DB>(db: Kysely<DB>): Promise<string> {
    const { rows } = await sql<{ lsn: string }>`SELECT pg_current_wal_lsn()::text AS lsn`.execute(db);
    return rows[0]!.lsn;
  }

  /** Whether the target has confirmed (flushed) everything the source wrote up to `lsn`, and its lag in bytes. */
  async confirmedUpTo<DB>(admin: Kysely<DB>, slot: string, lsn: string): Promise<{ confirmed: boolean; lagBytes: number | null }> {
    const { rows } = await sql<{ confirmed: boolean | null; lag: string | null }>`
      SELECT confirmed_flush_lsn >= ${lsn}::pg_lsn AS confirmed, pg_wal_lsn_diff(${lsn}::pg_lsn, confirmed_flush_lsn)::text AS lag
        FROM pg_catalog.pg_replication_slots WHERE slot_name = ${slot}`.execute(admin);
    return { confirmed: rows[0]?.confirmed === true, lagBytes: rows[0]?.lag === null || rows[0] === undefined ? null : Number(rows[0].lag) };
  }

  /** `n` connections of `db`'s pool open at once (each runs a statement that does nothing), so that a later burst finds them ready. */
  async openConnections<DB>(db: Kysely<DB>, n: number): Promise<void> {
    await Promise.all(Array.from({ length: n }, () => sql`SELECT 1`.execute(db)));
  }

  /** A REPEATABLE READ transaction's snapshot is taken by its first statement: this one. */
  async takeSnapshot<DB>(trx: Kysely<DB>): Promise<void> {
    await sql`SELECT 1`.execute(trx);
  }

  /** One table's row count. */
  async rowCount<DB>(db: Kysely<DB>, table: TableRef): Promise<number> {
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.raw(qualified(table))}`.execute(db);
    return Number(rows[0]!.n);
  }

  /** Row counts per table (`schema.table` → rows), in one query. */
  async rowCounts<DB>(db: Kysely<DB>, tables: readonly TableRef[]): Promise<Record<string, number>> {
    if (tables.length === 0) return {};
    const parts = tables.map((t) => sql`SELECT ${tableName(t)}::text AS t, count(*)::text AS n FROM ${sql.raw(qualified(t))}`);
    const { rows } = await sql<{ t: string; n: string }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
    return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
  }

  /**
   * A checksum per table that does not depend on row order: the count and the sum of the
   * first 64 bits of each row's md5 (its text form, with the session settings that shape
   * it fixed, so two servers of other versions or settings agree).
   */
  async checksums<DB>(db: Kysely<DB>, tables: readonly TableRef[]): Promise<Record<string, string>> {
    if (tables.length === 0) return {};
    await sql`SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, MDY', true), set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '1', true), set_config('bytea_output', 'hex', true)`.execute(db);
    const parts = tables.map(
      (t) => sql`SELECT ${tableName(t)}::text AS t, count(*)::text || ':' || coalesce(sum(('x' || substr(md5(r::text), 1, 16))::bit(64)::bigint), 0)::text AS sum FROM ${sql.raw(qualified(t))} AS r`,
    );
    const { rows } = await sql<{ t: string; sum: string }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
    return Object.fromEntries(rows.map((r) => [r.t, r.sum]));
  }

  /** Takes the tenant role's rights on its tables (inside the cut-over: a write that waited for the lock then fails instead of landing on the old copy). */
  async revokeTables<DB>(trx: Kysely<DB>, role: string, tables: readonly TableRef[]): Promise<void> {
    if (tables.length === 0) return;
    await sql`REVOKE ALL ON TABLE ${sql.join(tables.map((t) => sql.raw(qualified(t))))} FROM ${id(role)}`.execute(trx);
  }
}
