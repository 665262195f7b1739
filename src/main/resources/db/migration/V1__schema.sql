-- Outport schema. Names are singular; every tenant-owned row carries tenant_id.

create table tenant (
    id          uuid primary key,
    name        text not null check (length(name) between 1 and 200),
    created_at  timestamptz not null default now()
);

-- API keys are stored only as the SHA-256 of the key; the key itself is shown once at creation.
create table api_key (
    id          uuid primary key,
    tenant_id   uuid not null references tenant (id) on delete cascade,
    prefix      text not null check (prefix like 'op_%'),
    key_hash    bytea not null unique check (length(key_hash) = 32),
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz,
    check (revoked_at is null or revoked_at >= created_at)
);
create index api_key_tenant on api_key (tenant_id);

-- The built-in "events" dataset.
create table event (
    id           bigint generated always as identity primary key,
    tenant_id    uuid not null references tenant (id) on delete cascade,
    type         text not null check (length(type) between 1 and 100),
    occurred_at  timestamptz not null,
    user_id      text check (length(user_id) <= 200),
    properties   jsonb not null default '{}'::jsonb check (jsonb_typeof(properties) = 'object'),
    received_at  timestamptz not null default now()
);
-- Serves both the list endpoint and exports: rows of one tenant in (occurred_at, id) order.
create index event_tenant_time on event (tenant_id, occurred_at, id);

-- Exports are both the API resource and the job queue. Pending and running rows are the only ones
-- the queue's partial indexes cover, so finished exports never slow a claim down. Heartbeat and
-- progress columns are in no index: their updates stay HOT, helped by the fill factor.
create table export (
    id               uuid primary key,                  -- UUIDv7: sorts by creation time
    tenant_id        uuid not null references tenant (id) on delete cascade,
    dataset          text not null,
    format           text not null check (format in ('ndjson', 'csv')),
    compression      text not null check (compression in ('gzip', 'none')),
    filters          jsonb not null default '{}'::jsonb check (jsonb_typeof(filters) = 'object'),
    fields           jsonb not null check (jsonb_typeof(fields) = 'array'),
    max_file_bytes   bigint not null check (max_file_bytes between 5242880 and 5368709120),
    -- queued:     waiting for a worker, due at run_at
    -- processing: claimed by lease_owner until lease_expires_at, renewed by heartbeat
    -- completed:  files written; downloadable until expires_at
    -- failed:     attempts used up or an error retrying cannot fix; see error_code/error_message
    -- canceled:   canceled by the client before completion
    -- expired:    completed, then its files were deleted after the retention period
    status           text not null default 'queued'
                     check (status in ('queued', 'processing', 'completed', 'failed', 'canceled', 'expired')),
    attempt          integer not null default 0 check (attempt >= 0),
    max_attempts     integer not null check (max_attempts >= 1),
    run_at           timestamptz not null default now(),
    lease_owner      text,
    lease_expires_at timestamptz,
    cancel_requested boolean not null default false,
    progress_rows    bigint not null default 0 check (progress_rows >= 0),
    progress_bytes   bigint not null default 0 check (progress_bytes >= 0),
    row_count        bigint check (row_count >= 0),
    file_size_bytes  bigint check (file_size_bytes >= 0),
    error_code       text,
    error_message    text,
    idempotency_key  text check (length(idempotency_key) between 1 and 255),
    request_hash     bytea,
    created_at       timestamptz not null default now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    expires_at       timestamptz,
    -- A lease exists exactly while an export is processing.
    check ((status = 'processing') = (lease_owner is not null and lease_expires_at is not null)),
    -- finished_at is set exactly when the export reached a final state.
    check ((status in ('completed', 'failed', 'canceled', 'expired')) = (finished_at is not null)),
    -- Results exist exactly for completed (and later expired) exports.
    check ((status in ('completed', 'expired')) = (row_count is not null and file_size_bytes is not null
                                                    and expires_at is not null)),
    check (status <> 'failed' or error_code is not null),
    check (status = 'queued' or attempt >= 1 or status = 'canceled'),
    check ((idempotency_key is null) = (request_hash is null))
) with (fillfactor = 80);

create index export_tenant_id on export (tenant_id, id desc);
create unique index export_idempotency on export (tenant_id, idempotency_key) where idempotency_key is not null;
-- The claim scans due queued rows in (run_at, id) order.
create index export_queued on export (run_at, id) where status = 'queued';
-- Fairness counts, quotas, the rescuer and the scaling query look only at active rows.
create index export_active on export (tenant_id, status) where status in ('queued', 'processing');
-- The reaper finds completed exports past retention.
create index export_completed_expiry on export (expires_at) where status = 'completed';

-- The part files of a completed export, written in the transaction that completes it.
create table export_file (
    export_id   uuid not null references export (id) on delete cascade,
    part        integer not null check (part >= 1),
    object_key  text not null,
    rows        bigint not null check (rows >= 0),
    size_bytes  bigint not null check (size_bytes >= 0),
    sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    primary key (export_id, part)
);

-- Fixed-window rate limit counters shared by every replica: one row per tenant and bucket. Unlogged:
-- counting a request must not wait for a WAL flush, and losing the counters in a crash is harmless.
create unlogged table rate_limit (
    tenant_id     uuid not null,  -- no foreign key: an unlogged table cannot reference a logged one
    bucket        text not null check (bucket in ('reads', 'writes')),
    window_start  timestamptz not null,
    count         integer not null check (count >= 0),
    primary key (tenant_id, bucket)
) with (fillfactor = 50);

-- Objects an attempt has started writing, registered (fenced) before the first byte goes to S3, so
-- that whoever finishes the export (a later attempt, the rescuer, cancel) can abort the uploads and
-- delete the objects of attempts that did not complete: no orphan multipart upload, ever.
create table export_object (
    export_id   uuid not null references export (id) on delete cascade,
    attempt     integer not null,
    object_key  text not null,
    upload_id   text,
    primary key (export_id, object_key)
);
