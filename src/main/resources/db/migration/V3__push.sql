-- Status pushed instead of polled: progress with an estimate, change notifications, webhook endpoints and
-- their delivery outbox.

-- rows_estimated: the rows of the attempt's snapshot, counted before the first row is written.
-- progress_percent: never goes backwards (greatest of what was reported), never 100 before completion.
-- attempt_started_at: when the current attempt was claimed, for the ETA.
alter table export add column rows_estimated bigint check (rows_estimated >= 0),
    add column progress_percent smallint not null default 0 check (progress_percent between 0 and 100),
    add column attempt_started_at timestamptz;

-- A tenant's webhook endpoints. The secret is needed to sign, so it is stored (not only a hash); it is
-- shown to the tenant once, at creation. Deleting an endpoint deletes its pending deliveries too.
create table webhook_endpoint (
    id          uuid primary key,
    tenant_id   uuid not null references tenant (id) on delete cascade,
    url         text not null check (length(url) between 1 and 2000),
    events      text[] not null check (cardinality(events) between 1 and 3
                    and events <@ array['export.completed', 'export.failed', 'export.canceled']),
    secret      text not null check (secret like 'whsec_%'),
    created_at  timestamptz not null default now()
);
create index webhook_endpoint_tenant on webhook_endpoint (tenant_id, id desc);

-- The outbox: one row per event and endpoint, inserted by the trigger below in the transaction that
-- changes the export's status, so a crash between the change and its delivery loses nothing. A delivery
-- is claimed by moving next_attempt_at past the delivery timeout (a lease that needs no owner column):
-- a replica that dies mid-delivery leaves it due again once that time passes; the result of an attempt
-- is written only if attempts still holds the claimed number (the fence).
create table webhook_delivery (
    id                    uuid primary key,          -- the webhook-id header: the same on every retry
    endpoint_id           uuid not null references webhook_endpoint (id) on delete cascade,
    tenant_id             uuid not null,
    export_id             uuid not null,             -- no foreign key: the log outlives nothing it points to
    event_type            text not null,
    status                text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts              integer not null default 0 check (attempts >= 0),
    next_attempt_at       timestamptz not null default now(),
    last_response_status  integer,
    last_error            text,
    created_at            timestamptz not null default now(),
    finished_at           timestamptz,
    check ((status = 'pending') = (finished_at is null))
) with (fillfactor = 80);
create index webhook_delivery_due on webhook_delivery (next_attempt_at, id) where status = 'pending';
create index webhook_delivery_endpoint on webhook_delivery (endpoint_id, created_at desc, id desc);
create index webhook_delivery_finished on webhook_delivery (finished_at) where status <> 'pending';

-- Every change a client can see (status, progress, attempt) is announced on outport_export_changed with
-- the export's id; each replica's one LISTEN connection fans it out to its long polls and event streams.
-- A final status also writes the webhook outbox and wakes the deliverers. A trigger, so that every path
-- that changes an export (worker, rescuer, cancel, reaper, an operator's SQL) does both, in its transaction.
create function export_changed() returns trigger language plpgsql as $$
begin
    if new.status is distinct from old.status or new.progress_rows <> old.progress_rows
       or new.attempt <> old.attempt or new.rows_estimated is distinct from old.rows_estimated
       or new.cancel_requested <> old.cancel_requested then
        perform pg_notify('outport_export_changed', new.id::text);
    end if;
    if new.status is distinct from old.status and new.status in ('completed', 'failed', 'canceled') then
        insert into webhook_delivery (id, endpoint_id, tenant_id, export_id, event_type)
        select uuidv7_like(), w.id, new.tenant_id, new.id, 'export.' || new.status
          from webhook_endpoint w
         where w.tenant_id = new.tenant_id and ('export.' || new.status) = any (w.events);
        if found then
            perform pg_notify('outport_webhooks', '');
        end if;
    end if;
    return new;
end $$;

-- A time-ordered UUID (version 7 layout) made in the database, for outbox rows written by the trigger.
create function uuidv7_like() returns uuid language sql volatile as $$
    select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
             placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
             from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;

create trigger export_changed after update on export for each row execute function export_changed();
