import { ServerFacts, serverProblems } from './server.repository';

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
