-- A job that must exist once however many control planes queue it: a scheduled backup
-- is one job per tenant and scheduled time ("scheduled_backup:<tenant>:<time>").
ALTER TABLE tenant_management.jobs ADD COLUMN unique_key text;
CREATE UNIQUE INDEX jobs_unique_key_idx ON tenant_management.jobs (unique_key) WHERE unique_key IS NOT NULL;
