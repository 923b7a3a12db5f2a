-- Several PostgreSQL servers. Every tenant lives on one; the registry's own server is
-- `default`, whose admin URL is never stored: it is taken at each start from
-- KRYONIX_DATABASE_URL or the embedded server, so a single-server installation works
-- as before. Other servers' URLs are kept encrypted with the master key.
CREATE TABLE tenant_management.servers (
    name                 text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{0,38}[a-z0-9]$'),
    admin_url_enc        text,
    replication_url_enc  text,
    state                text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'cordoned', 'draining')),
    max_tenants          integer CHECK (max_tenants > 0),
    max_storage_bytes    bigint CHECK (max_storage_bytes > 0),
    tags                 jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(tags) = 'object'),
    moves                boolean NOT NULL DEFAULT true,
    pg_version_num       integer,
    last_seen_at         timestamptz,
    last_error           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((name = 'default') = (admin_url_enc IS NULL))
);

INSERT INTO tenant_management.servers (name) VALUES ('default');

ALTER TABLE tenant_management.clientes
    ADD COLUMN server_name text NOT NULL DEFAULT 'default' REFERENCES tenant_management.servers (name);
CREATE INDEX clientes_server_idx ON tenant_management.clientes (server_name);
