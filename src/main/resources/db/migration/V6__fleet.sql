-- A fleet, not a process: workers claim only the exports whose dataset they serve as it was declared when
-- the export was created, register themselves, and a dataset nobody serves is visible and ends.
-- Expand only: every change keeps release 0.1.0 working on this schema (it neither reads nor writes the new
-- columns and tables; an export it creates has no fingerprint, and is served by any worker that knows its
-- dataset by name).

-- fingerprint: of the dataset's declaration the API validated the export against (table, columns and
-- types, tenant/time/id/incremental columns, filterable columns, database); null for exports created by 0.1.0.
-- unserved_since: set while the export is queued and no live worker serves its (dataset, fingerprint);
-- an export that stays unserved for OUTPORT_EXPORTS_UNSERVED_TIMEOUT fails with dataset_unavailable.
alter table export add column fingerprint text check (fingerprint ~ '^[0-9a-f]{16}$'),
    -- read only while the export is queued (0.1.0 claims and cancels without clearing it)
    add column unserved_since timestamptz;

-- An export that never found a worker fails without an attempt.
alter table export drop constraint export_check4,
    add constraint export_attempted check (status in ('queued', 'canceled') or attempt >= 1
                                           or (status = 'failed' and error_code = 'dataset_unavailable'));

-- Every live process of the fleet: registered at start, renewed by heartbeat, gone after expires_at
-- (deleted at a clean shutdown, pruned by any replica's maintenance after a crash).
-- datasets: what this process serves (a worker) or validates against (an API replica): {"name": "fingerprint"}.
create table worker (
    id            text primary key,       -- also the lease_owner of the exports it runs
    host          text not null,
    version       text not null,
    roles         text[] not null check (roles <@ array['api', 'worker'] and cardinality(roles) >= 1),
    datasets      jsonb not null check (jsonb_typeof(datasets) = 'object'),
    started_at    timestamptz not null default now(),
    heartbeat_at  timestamptz not null default now(),
    expires_at    timestamptz not null
);
