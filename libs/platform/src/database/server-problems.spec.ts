import { ServerFacts, moveCapacity, moveRoomProblems, serverProblems } from './server.repository';

const fit: ServerFacts = {
  versionNum: 170006,
  superuser: false,
  createdb: true,
  createrole: true,
  replication: false,
  createSubscription: true,
  walLevel: 'logical',
  maxReplicationSlots: 10,
  maxWalSenders: 10,
  maxLogicalReplicationWorkers: 4,
  maxSyncWorkersPerSubscription: 2,
  replicationSlotsUsed: 0,
  walSendersUsed: 0,
  maxWorkerProcesses: 8,
  replicationSlotsHeld: 0,
  walSendersHeld: 0,
  logicalWorkersHeld: 0,
  backgroundWorkersHeld: 1,
};

describe('what server add checks', () => {
  it('a server with the rights and settings a move needs is fit', () => {
    expect(serverProblems(fit, true)).toEqual([]);
  });

  it('names each setting to change, and what --no-moves leaves out', () => {
    const unfit = { ...fit, walLevel: 'replica', maxReplicationSlots: 2, replicationSlotsUsed: 2, maxWalSenders: 0, maxLogicalReplicationWorkers: 1, maxSyncWorkersPerSubscription: 0, createSubscription: false };
    expect(serverProblems(unfit, true)).toEqual([
      'wal_level is replica: set wal_level = logical and restart PostgreSQL (or add the server with --no-moves)',
      'no free replication slot (max_replication_slots = 2, 2 in use): raise max_replication_slots (or add the server with --no-moves)',
      'no free WAL sender (max_wal_senders = 0, 0 in use): raise max_wal_senders (or add the server with --no-moves)',
      'max_logical_replication_workers = 1: at least 2 are needed (or add the server with --no-moves)',
      'max_sync_workers_per_subscription = 0: at least 1 is needed (or add the server with --no-moves)',
      'the admin role may not create subscriptions: GRANT pg_create_subscription TO <admin role> (or add the server with --no-moves)',
    ]);
    expect(serverProblems(unfit, false)).toEqual([]);
  });

  it('refuses servers older than 14 and roles that cannot create databases or roles, moves or not', () => {
    expect(serverProblems({ ...fit, versionNum: 130012, createdb: false, createrole: false }, false)).toEqual([
      'PostgreSQL 13 is too old: 14 or newer is needed',
      'the admin role cannot create databases: ALTER ROLE … CREATEDB',
      'the admin role cannot create roles: ALTER ROLE … CREATEROLE',
    ]);
  });
});

describe('room for one more move, now', () => {
  it('a source needs two free slots and WAL senders; a target two free logical replication and background workers', () => {
    expect(moveRoomProblems(fit, 'source')).toEqual([]);
    expect(moveRoomProblems(fit, 'target')).toEqual([]);
    expect(moveRoomProblems({ ...fit, maxReplicationSlots: 3, replicationSlotsHeld: 2 }, 'source')).toEqual([
      "max_replication_slots = 3 with 2 in use, and a move needs 2 free on its source (its subscription's slot and a table copy's): raise max_replication_slots (and restart PostgreSQL) or wait for the moves under way",
    ]);
    expect(moveRoomProblems({ ...fit, maxWalSenders: 2, walSendersHeld: 1 }, 'source')).toEqual([expect.stringMatching(/^max_wal_senders = 2 with 1 in use, and a move needs 2 free on its source/)]);
    // a target's limits are not a source's
    expect(moveRoomProblems({ ...fit, maxWalSenders: 2, walSendersHeld: 1 }, 'target')).toEqual([]);
    expect(moveRoomProblems({ ...fit, logicalWorkersHeld: 3 }, 'target')).toEqual([
      'max_logical_replication_workers = 4 with 3 in use, and a move needs 2 free on its target (an apply worker and a table-sync worker): raise max_logical_replication_workers (and restart PostgreSQL) or wait for the moves under way',
    ]);
    expect(moveRoomProblems({ ...fit, maxWorkerProcesses: 3, backgroundWorkersHeld: 2 }, 'target')).toEqual([expect.stringMatching(/^max_worker_processes = 3 with 2 in use, and a move needs 2 free on its target/)]);
    expect(moveRoomProblems({ ...fit, logicalWorkersHeld: 3 }, 'source')).toEqual([]);
  });

  it('counts the moves recorded there that have not made their subscription yet (each will hold one), not the table copies that end by themselves', () => {
    expect(moveRoomProblems({ ...fit, maxLogicalReplicationWorkers: 4, logicalWorkersHeld: 1 }, 'target', 1)).toEqual([]);
    expect(moveRoomProblems({ ...fit, maxLogicalReplicationWorkers: 4, logicalWorkersHeld: 2 }, 'target', 1)).toEqual([
      expect.stringContaining('max_logical_replication_workers = 4 with 2 in use and 1 for a move starting, and a move needs 2 free'),
    ]);
    expect(moveRoomProblems({ ...fit, maxReplicationSlots: 3 }, 'source', 2)).toEqual([expect.stringContaining('max_replication_slots = 3 with 0 in use and 2 for 2 moves starting')]);
    // slots and senders of table copies under way are not held: only the used ones count for server add
    expect(moveRoomProblems({ ...fit, maxReplicationSlots: 3, replicationSlotsUsed: 3, replicationSlotsHeld: 1 }, 'source')).toEqual([]);
  });

  it('moves at once: into a server at most half its logical replication workers and what is free; out of one what its slots and senders carry; never below one', () => {
    expect(moveCapacity(fit)).toEqual({ target: 2, source: 3 });
    expect(moveCapacity({ ...fit, maxLogicalReplicationWorkers: 16, maxWorkerProcesses: 8, backgroundWorkersHeld: 3 })).toMatchObject({ target: 2 });
    expect(moveCapacity({ ...fit, maxLogicalReplicationWorkers: 16, maxWorkerProcesses: 32, logicalWorkersHeld: 9 })).toMatchObject({ target: 3 });
    expect(moveCapacity({ ...fit, maxReplicationSlots: 20, maxWalSenders: 7, walSendersUsed: 1 })).toMatchObject({ source: 2 });
    expect(moveCapacity({ ...fit, maxLogicalReplicationWorkers: 2, logicalWorkersHeld: 2, maxReplicationSlots: 1 })).toEqual({ target: 1, source: 1 });
  });
});
