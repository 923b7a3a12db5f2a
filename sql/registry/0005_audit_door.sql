-- One audit vocabulary for every door: actions are named by the use case ('tenant.suspend'),
-- and the door a call came through ('http', 'cli', 'agent') is a column of its own.
-- Rows written before this migration named the action by door: HTTP rows their route
-- ('POST /v1/tenants/:id/suspend'), in-process CLI rows their command ('tenant suspend').
-- They are renamed here, so old and new rows read the same.
ALTER TABLE tenant_management.audit_log ADD COLUMN door text;

UPDATE tenant_management.audit_log
SET door = CASE
      WHEN action ~ '^(POST|PUT|PATCH|DELETE) ' THEN CASE WHEN actor LIKE 'cli:%' THEN 'agent' ELSE 'http' END
      WHEN action LIKE 'tenant %' THEN 'cli'
      ELSE NULL
    END,
    action = CASE action
      WHEN 'POST /v1/tenants' THEN 'tenant.create'
      WHEN 'POST /v1/tenants/:id/repair' THEN 'tenant.repair'
      WHEN 'POST /v1/tenants/:id/suspend' THEN 'tenant.suspend'
      WHEN 'POST /v1/tenants/:id/resume' THEN 'tenant.resume'
      WHEN 'DELETE /v1/tenants/:id' THEN 'tenant.delete'
      WHEN 'PUT /v1/tenants/:id/modules' THEN 'tenant.change_modules'
      WHEN 'POST /v1/tenants/:id/api-keys' THEN 'tenant.rotate_key'
      WHEN 'POST /v1/tenants/:id/credentials' THEN 'tenant.rotate_credentials'
      WHEN 'PUT /v1/tenants/:id/rate-limit' THEN 'tenant.set_rate_limit'
      WHEN 'POST /v1/migrations' THEN 'fleet.migrate'
      WHEN 'tenant create' THEN 'tenant.create'
      WHEN 'tenant repair' THEN 'tenant.repair'
      WHEN 'tenant suspend' THEN 'tenant.suspend'
      WHEN 'tenant resume' THEN 'tenant.resume'
      WHEN 'tenant delete' THEN 'tenant.delete'
      WHEN 'tenant delete --purge' THEN 'tenant.purge'
      WHEN 'tenant modules' THEN 'tenant.change_modules'
      WHEN 'tenant modules --purge' THEN 'tenant.change_modules'
      WHEN 'tenant rotate-key' THEN 'tenant.rotate_key'
      WHEN 'tenant rotate-credentials' THEN 'tenant.rotate_credentials'
      WHEN 'tenant rate-limit' THEN 'tenant.set_rate_limit'
      ELSE action
    END;

CREATE INDEX audit_log_action_idx ON tenant_management.audit_log (action, id);
