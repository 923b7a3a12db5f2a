-- Registry of tenants: the system of record the control plane, data plane and
-- provisioner share. `clientes` and `logs_auto_creation` keep the names (and the
-- columns) the source scripts read, e.g.
--   SELECT database_name FROM tenant_management.clientes WHERE id = $1
CREATE SCHEMA IF NOT EXISTS tenant_management;

CREATE TABLE tenant_management.clientes (
    id                  text PRIMARY KEY,
    nome                text NOT NULL,
    database_name       text NOT NULL,
    subdomain           text NOT NULL UNIQUE,
    modulos_contratados jsonb NOT NULL DEFAULT '[]'::jsonb,
    isolation_mode      text NOT NULL CHECK (isolation_mode IN ('database', 'schema')),
    status              text NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended', 'deleting')),
    role_name           text NOT NULL,
    -- AES-256-GCM under KRYONIX_MASTER_KEY: "v1:<iv>:<tag>:<ciphertext>" (base64url)
    role_password_enc   text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clientes_status_idx ON tenant_management.clientes (status);

-- One row per provisioning step (and per start/end of a run), as the source script wrote.
CREATE TABLE tenant_management.logs_auto_creation (
    id                      bigserial PRIMARY KEY,
    cliente_id              text NOT NULL,
    run_id                  uuid,
    acao                    text NOT NULL,
    status                  text NOT NULL,
    detalhes                jsonb NOT NULL DEFAULT '{}'::jsonb,
    duracao_ms              numeric(12, 3),
    tempo_execucao_segundos numeric(12, 3) GENERATED ALWAYS AS (duracao_ms / 1000) STORED,
    created_at              timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX logs_auto_creation_cliente_idx ON tenant_management.logs_auto_creation (cliente_id, id);

-- The ledger: every module migration applied to a tenant, with the checksum of what ran.
CREATE TABLE tenant_management.tenant_module_migrations (
    cliente_id  text NOT NULL REFERENCES tenant_management.clientes (id) ON DELETE CASCADE,
    module      text NOT NULL,
    version     integer NOT NULL CHECK (version > 0),
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms numeric(12, 3),
    PRIMARY KEY (cliente_id, module, version)
);

-- API keys are kept as a SHA-256 hash plus a short display prefix, never in plain text.
CREATE TABLE tenant_management.api_keys (
    id          bigserial PRIMARY KEY,
    cliente_id  text NOT NULL REFERENCES tenant_management.clientes (id) ON DELETE CASCADE,
    prefix      text NOT NULL,
    key_hash    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_keys_cliente_idx ON tenant_management.api_keys (cliente_id) WHERE revoked_at IS NULL;
