-- Durable jobs: work that must survive a crash is a row here, claimed with
-- FOR UPDATE SKIP LOCKED, kept alive by heartbeats, retried with backoff.
CREATE TABLE tenant_management.jobs (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL,
    tenant_id    text,
    -- never secrets in payload; a result secret (a new API key) is stored encrypted and handed out once
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
    status       text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5,
    run_after    timestamptz NOT NULL DEFAULT now(),
    locked_by    text,
    heartbeat_at timestamptz,
    result       jsonb,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz
);
CREATE INDEX jobs_claimable_idx ON tenant_management.jobs (run_after) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_tenant_idx ON tenant_management.jobs (tenant_id, created_at);
