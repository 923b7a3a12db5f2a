-- Per-tenant request limit of the data plane (requests per minute); NULL = the default (KRYONIX_RATE_LIMIT).
ALTER TABLE tenant_management.clientes ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0);
