import { Inject, Injectable } from '@nestjs/common';
import { InvalidInput, MigrationChanged, connectFault, ServerUnfit, TenantMoving, TenantNotFound, TenantStateConflict, Unavailable, Unprocessable, tenantDatabaseName, validateServerName, validateTenantId } from '@kryonix/domain';
import { TenantMover, refuseTakenStorage, tableName } from '@kryonix/fleet';
import { ModuleCatalog } from '@kryonix/modules';
import { KRYONIX_CONFIG, type KryonixConfig, ServerRepository, moveRoomProblems, serverProblems, within } from '@kryonix/platform';
import { TenantServers, placeTenant } from '@kryonix/provisioning';
import { ModuleLedgerRepository, MoveRepository, ServerRecord, ServerRecordRepository, TenantRecord, TenantRepository } from '@kryonix/registry';
import type { MoveRequest } from './move-tenant.command';

/** A move that passed every check: what it will copy, from where to where. */
export interface CheckedMove {
  tenant: TenantRecord;
  source: ServerRecord;
  target: ServerRecord;
  attempts: number;
  /** Every schema of the tenant (attached and detached modules). */
  schemas: string[];
}

const DEFAULT_ATTEMPTS = 3;

/**
 * Everything that refuses a move before anything is made, each with a clear error: the
 * tenant (active, not moving already), the target (another registered server, active, with
 * room and moves allowed), both servers reachable and fit for logical replication
 * (wal_level = logical, the rights to publish and subscribe) with room for one more move now
 * (slots and WAL senders on the source, logical replication and background workers on the
 * target), the target reaching the source at its replication URL (a probe), every
 * table with a primary key or replica identity, unedited module files, and no storage of the
 * tenant's names on the target that is not a copy kept by an earlier move.
 */
@Injectable()
export class MoveRefusals {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly moves: MoveRepository,
    private readonly records: ServerRecordRepository,
    private readonly servers: TenantServers,
    private readonly serverSql: ServerRepository,
    private readonly ledger: ModuleLedgerRepository,
    private readonly mover: TenantMover,
    private readonly catalog: ModuleCatalog,
    @Inject(KRYONIX_CONFIG) private readonly config: KryonixConfig,
  ) {}

  async check(request: MoveRequest): Promise<CheckedMove> {
    const id = validateTenantId(request.id);
    if (request.to === undefined || request.to === '') throw new InvalidInput('Say where to move the tenant: --to <server> (see `kryonix server list`).', { field: 'to' });
    const to = validateServerName(request.to);
    const attempts = request.attempts === undefined ? DEFAULT_ATTEMPTS : Number(request.attempts);
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new InvalidInput('--attempts must be a whole number from 1 to 20.', { field: 'attempts' });

    const tenant = await this.tenants.findById(id);
    if (!tenant) throw new TenantNotFound(id);
    const open = await this.moves.findOpen(id);
    if (open) throw new TenantMoving(id, open, 'start another move');
    if (tenant.status !== 'active') throw new TenantStateConflict(id, tenant.status, 'move it (only active tenants are moved)');
    if (to === tenant.serverName) throw new InvalidInput(`Tenant "${id}" is already on server "${to}"; give another --to.`, { field: 'to' });

    const all = await this.records.list();
    const target = all.find((s) => s.name === to);
    if (!target) throw new InvalidInput(`Unknown server "${to}": the servers are ${all.map((s) => s.name).join(', ')}.`, { field: 'to' });
    const source = all.find((s) => s.name === tenant.serverName)!;
    for (const s of [source, target]) {
      if (!s.moves) throw new ServerUnfit(s.name, `Server "${s.name}" was added with --no-moves: no tenant is moved to or from it.`);
    }
    const targetSide = await this.servers.get(target.name);
    const storageBytes = await within(this.serverSql.usage(targetSide.admin), this.config.acquireTimeoutMs, () => new Error('timeout'))
      .then((u) => u.storageBytes)
      .catch(() => null);
    // cordoned, draining or full: placement's own refusals
    placeTenant([{ server: target, tenants: (await this.records.tenantCounts()).get(target.name) ?? 0, storageBytes }], { server: target.name });

    const underWay = await this.moves.open();
    await this.fitForMoves(source, 'source', underWay.filter((m) => m.source === source.name && m.subscriptionOid === null).length);
    await this.fitForMoves(target, 'target', underWay.filter((m) => m.target === target.name && m.subscriptionOid === null).length);

    const schemas = (await this.mover.schemaPlans(id, tenant.mode)).map((p) => p.schema);
    await this.refuseEditedFiles(id);
    const sourceSide = await this.servers.get(source.name);
    const tables = await sourceSide.storage.inDatabase(tenant.databaseName, (db) => this.mover.replication.tables(db, schemas));
    const blind = tables.filter((t) => !t.identity).map(tableName);
    if (blind.length) {
      throw new Unprocessable(
        `Cannot move tenant "${id}": table${blind.length > 1 ? 's' : ''} ${blind.join(', ')} ${blind.length > 1 ? 'have' : 'has'} no primary key or replica identity, so ${blind.length > 1 ? 'their' : 'its'} UPDATEs and DELETEs cannot be replicated. Add a primary key (or ALTER TABLE … REPLICA IDENTITY FULL) first.`,
        { tables: blind },
      );
    }
    // a copy kept there by an earlier move is dropped by the move's first phase; anything else of those names is refused
    if (!(await this.moves.keptCopyOn(id, target.name))) {
      await refuseTakenStorage(targetSide, { tenantId: id, target: target.name, mode: tenant.mode, databaseName: tenantDatabaseName(id, tenant.mode), schemas, roleName: tenant.roleName });
    }
    // last, the slowest: the target reaches the source where its subscription will
    await this.mover.checkPeer({ source: source.name, target: target.name, databaseName: tenantDatabaseName(id, tenant.mode) }, this.config.acquireTimeoutMs);
    return { tenant, source, target, attempts, schemas };
  }

  /**
   * Reachable now, what logical replication needs (each problem saying what to set), and room
   * for one more move on its side now (`starting`: moves recorded there that have not made
   * their slots or workers yet): free slots and WAL senders on a source, free logical
   * replication and background workers on a target.
   */
  private async fitForMoves(server: ServerRecord, role: 'source' | 'target', starting: number): Promise<void> {
    const side = await this.servers.get(server.name);
    let facts;
    try {
      facts = await within(this.serverSql.inspect(side.admin), this.config.acquireTimeoutMs, () => new Error(`no answer within ${this.config.acquireTimeoutMs} ms`));
    } catch (error) {
      throw new Unavailable(`Cannot reach server "${server.name}" (${connectFault(error).reason}); nothing was moved.`, { server: server.name });
    }
    const problems = serverProblems(facts, true);
    if (problems.length) throw new ServerUnfit(server.name, `Server "${server.name}" cannot take part in a move: ${problems.join('; ')}.`, { problems });
    const full = moveRoomProblems(facts, role, starting);
    if (full.length) throw new ServerUnfit(server.name, `Server "${server.name}" has no room now for a move ${role === 'source' ? 'out of it' : 'into it'}: ${full.join('; ')}. Nothing was moved.`, { problems: full });
  }

  /** The target gets the module files as they are: refused when one was edited after it was applied to this tenant. */
  private async refuseEditedFiles(id: string): Promise<void> {
    const problems = new Map<string, string[]>();
    for (const row of await this.ledger.listFor(id)) {
      const file = this.catalog.list().find((m) => m.name === row.module)?.migrations.find((m) => m.version === row.version);
      if (!file || file.checksum !== row.checksum) problems.set(file?.file ?? `${row.module} migration ${String(row.version).padStart(4, '0')} (file missing)`, [id]);
    }
    if (problems.size) throw MigrationChanged.of(`Refusing to move tenant "${id}"`, problems);
  }
}
