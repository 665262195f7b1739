-- Exact shared rate limits: replicas lease budget from the window's row (granted = what the last lease got);
-- a replica admits only requests it holds budget for, so all replicas together never exceed the limit.
alter table rate_limit add column granted integer not null default 0 check (granted >= 0);
