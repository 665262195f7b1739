-- Big exports: parts recorded as they finish (downloadable before the end, kept by a resumed attempt), the
-- snapshot an export reads (kept across attempts and used as the watermark of incremental exports).

-- The transaction that inserted each event (a 64-bit id that never wraps around). An export compares it
-- with a stored snapshot: a resumed attempt reads exactly the first attempt's rows, and an incremental
-- export exactly the rows committed after the earlier export's snapshot, even when their transaction
-- started before it and committed after it.
alter table event add column xact xid8 not null default pg_current_xact_id();

-- mark: what this export read, recorded by its first attempt before the first row. For events the
-- attempt's snapshot (pg_snapshot as text); for a declared dataset with an incremental column the highest
-- value of that column the tenant had in the snapshot ('' when the tenant had no row).
-- since_export / since_mark: the export an incremental export continues, and that export's mark.
-- attempt_rows: rows already kept (finished parts) when the current attempt started, for its pace.
alter table export add column mark text,
    add column since_export uuid references export (id),
    add column since_mark text,
    add column attempt_rows bigint not null default 0 check (attempt_rows >= 0),
    add check ((since_export is null) = (since_mark is null));

-- Parts are recorded one by one as they finish, by a fenced transaction of the attempt that wrote them,
-- and never change afterwards. last_time/last_id: the (time, id) key of the part's last row, as text in
-- the column's ISO form: a new attempt continues after the last part's key. Null for a part without rows.
alter table export_file add column last_time text,
    add column last_id text,
    add check ((last_time is null) = (last_id is null));
