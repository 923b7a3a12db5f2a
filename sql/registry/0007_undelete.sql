-- `tenant undelete` brings a soft-deleted tenant back as it was: the status it had
-- before the delete (active or suspended) is kept until then.
ALTER TABLE tenant_management.clientes
    ADD COLUMN status_before_delete text CHECK (status_before_delete IN ('active', 'suspended'));
