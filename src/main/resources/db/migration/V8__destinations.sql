-- Delivery into the customer's own bucket. Expand only: earlier releases neither read nor write the new
-- tables and columns, and the trigger at the end keeps them from claiming an export to a destination.

-- The external id a tenant's customers put in their IAM role's trust policy (AWS: one random id per customer,
-- chosen by the vendor). Random, stable, never reused.
alter table tenant add column destination_external_id text not null
    default 'outport-' || replace(gen_random_uuid()::text, '-', '')
    check (length(destination_external_id) between 2 and 1224 and destination_external_id ~ '^[A-Za-z0-9+=,.@:/_-]+$');
create unique index tenant_destination_external_id on tenant (destination_external_id);

-- A tenant's S3-compatible destination. Credentials: an IAM role to assume (role_arn, external_id) or access
-- keys (access_key_id, and the secret access key encrypted with AES-256-GCM under the key secret_key_id names:
-- nonce || ciphertext || tag, the destination's id as associated data). secret_key_id names the
-- OUTPORT_SECRETS_KEY in force when the destination was created, for role destinations too: a process that
-- does not hold that key claims no export to it. Deleted destinations keep their row (exports name it) and
-- lose their credentials.
create table destination (
    id              uuid primary key,
    tenant_id       uuid not null references tenant (id) on delete cascade,
    type            text not null check (type = 's3'),
    bucket          text not null check (length(bucket) between 3 and 63 and bucket ~ '^[a-z0-9][a-z0-9.-]*[a-z0-9]$'),
    prefix          text not null default '' check (length(prefix) <= 512),
    region          text not null check (region ~ '^[a-z0-9-]{1,32}$'),
    endpoint        text check (length(endpoint) <= 2000),
    path_style      boolean not null default false,
    role_arn        text check (length(role_arn) <= 2048),
    external_id     text check (length(external_id) <= 1224),
    access_key_id   text check (length(access_key_id) <= 128),
    secret          bytea,
    secret_key_id   text not null check (secret_key_id ~ '^[0-9a-f]{16}$'),
    created_at      timestamptz not null default now(),
    deleted_at      timestamptz,
    check (deleted_at is not null or (role_arn is null) <> (access_key_id is null)),
    check ((access_key_id is null) = (secret is null))
);
create index destination_tenant on destination (tenant_id, created_at desc) where deleted_at is null;

-- Where an export writes its parts: null for Outport's own bucket.
alter table export add column destination_id uuid references destination (id);
create index export_destination_unfinished on export (destination_id)
    where destination_id is not null and status in ('queued', 'processing');

-- A part delivered elsewhere: s3://bucket/key (null for a part in Outport's bucket, downloaded by presigned URL).
alter table export_file add column location text check (length(location) <= 3000);

-- The OUTPORT_SECRETS_KEY ids a process holds (null: none, or a release before destinations).
alter table worker add column secret_keys text[];

-- A worker of an earlier release would claim an export to a destination like any other and write its parts
-- into Outport's own bucket. The database hands such an export only to a worker that registered (this
-- release and later) holding the key its destination's credentials were sealed with: any other claim of it
-- skips the row, as if another worker had taken it.
create function export_destination_claim() returns trigger language plpgsql as $$
begin
    if exists (select 1 from worker w join destination d on d.id = new.destination_id
                where w.id = new.lease_owner and d.secret_key_id = any (w.secret_keys)) then
        return new;
    end if;
    return null;
end $$;
create trigger export_destination_claim before update of status on export for each row
    when (old.status = 'queued' and new.status = 'processing' and new.destination_id is not null)
    execute function export_destination_claim();
