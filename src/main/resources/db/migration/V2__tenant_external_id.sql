-- What the tenant columns of declared datasets hold for a tenant: the product's own account id, compared
-- as text. Existing tenants get their own id, which is also the default for new ones.
alter table tenant add column external_id text;
update tenant set external_id = id::text;
alter table tenant alter column external_id set not null,
    add constraint tenant_external_id_length check (length(external_id) between 1 and 200),
    add constraint tenant_external_id_unique unique (external_id);
