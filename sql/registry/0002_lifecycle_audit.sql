-- Tenant lifecycle (suspend, soft delete with a grace period) and the audit trail
-- of every mutating operator call.
ALTER TABLE tenant_management.clientes
    ADD COLUMN suspended_at timestamptz,
    ADD COLUMN deleted_at   timestamptz,
    ADD COLUMN purge_after  timestamptz;
CREATE INDEX clientes_purge_idx ON tenant_management.clientes (purge_after) WHERE status = 'deleting';

CREATE TABLE tenant_management.audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    target      text,
    outcome     text NOT NULL CHECK (outcome IN ('success', 'failure')),
    status_code integer,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_target_idx ON tenant_management.audit_log (target, id);
