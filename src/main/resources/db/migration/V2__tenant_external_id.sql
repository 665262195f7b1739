-- What the tenant columns of declared datasets hold for a tenant: the product's own account id, compared as
-- text. Existing tenants get their own id, which is also the default for new ones: a trigger fills it in for
-- any insert that leaves it out (an operator's script, an older replica during a rolling upgrade).
alter table tenant add column external_id text;
update tenant set external_id = id::text;
alter table tenant alter column external_id set not null,
    add constraint tenant_external_id_length check (length(external_id) between 1 and 200),
    add constraint tenant_external_id_unique unique (external_id);

create function tenant_external_id_default() returns trigger language plpgsql as $$
begin
    new.external_id := coalesce(new.external_id, new.id::text);
    return new;
end $$;
create trigger tenant_external_id_default before insert on tenant
    for each row execute function tenant_external_id_default();
