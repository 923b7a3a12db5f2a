-- Online moves of a tenant from one PostgreSQL server to another (logical replication).
-- One row per move: its phase, what it made on both servers (named after the move, so a
-- crash is cleaned up from this row alone), and the source copy it keeps for a while.
-- No foreign keys: a move's row is history that outlives the tenant (its kept copy is still
-- purged) and the servers (`server remove` refuses while moves or kept copies need them).
CREATE TABLE tenant_management.moves (
    id                 uuid PRIMARY KEY,
    tenant_id          text NOT NULL,
    source             text NOT NULL,
    target             text NOT NULL,
    isolation_mode     text NOT NULL CHECK (isolation_mode IN ('database', 'schema')),
    database_name      text NOT NULL,
    role_name          text NOT NULL,
    -- every schema of the tenant that is copied (attached and detached modules)
    schemas            jsonb NOT NULL CHECK (jsonb_typeof(schemas) = 'array'),
    phase              text NOT NULL CHECK (phase IN ('prepare_target', 'copy', 'cut_over', 'verify', 'clean_up', 'rolling_back', 'done', 'failed')),
    -- cut-over attempts made (an attempt whose pause would pass KRYONIX_MOVE_MAX_PAUSE is abandoned)
    attempts           integer NOT NULL DEFAULT 0,
    max_attempts       integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 20),
    -- the subscription's oid on the target: its table-sync slots on the source are named after it
    subscription_oid   bigint,
    job_id             uuid,
    switched_at        timestamptz,
    verified           boolean,
    details            jsonb NOT NULL DEFAULT '{}'::jsonb,
    error              text,
    -- the source copy (no access left) is purged after this; null: kept (a failed verify) or none
    source_purge_after timestamptz,
    source_purged_at   timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    CHECK (source <> target)
);
-- at most one move under way per tenant
CREATE UNIQUE INDEX moves_open_tenant_idx ON tenant_management.moves (tenant_id) WHERE phase NOT IN ('done', 'failed');
CREATE INDEX moves_tenant_idx ON tenant_management.moves (tenant_id, created_at);
CREATE INDEX moves_kept_copies_idx ON tenant_management.moves (source_purge_after) WHERE source_purged_at IS NULL AND source_purge_after IS NOT NULL;
