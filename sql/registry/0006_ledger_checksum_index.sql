-- A create refuses module files that were edited after being applied to other tenants
-- (as `kryonix migrate` does): it asks, per module version, for tenants whose recorded
-- checksum differs from the file's. This index answers that with two empty range scans.
CREATE INDEX tenant_module_migrations_checksum_idx ON tenant_management.tenant_module_migrations (module, version, checksum);
