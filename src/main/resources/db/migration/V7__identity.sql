-- Scoped credentials. Expand only: 0.1.0 issues keys without scopes (null), which may do everything, as
-- they always could.
-- scopes: space-separated (outport:read outport:write outport:webhooks); null = all three.
alter table api_key add column scopes text
    check (scopes ~ '^(outport:(read|write|webhooks))( outport:(read|write|webhooks))*$');

-- Outport's own tokens (minted for a tenant, portal sessions) carry the tenant's token generation; revoking
-- the tenant's tokens increments it, so every token minted before stops working on every replica (they cache
-- the generation for 2 s).
alter table tenant add column token_generation integer not null default 0 check (token_generation >= 0);

-- The keys Outport signs its own tokens with (HMAC-SHA256, 32 random bytes), generated once by the first
-- replica that needs one and shared by all. Rotation: insert a new key; tokens name their key (kid), so the
-- old one verifies until it is retired (retired_at), after the longest token lifetime (24 h).
create table signing_key (
    id          text primary key check (id ~ '^[a-z0-9]{1,32}$'),
    secret      bytea not null check (length(secret) = 32),
    created_at  timestamptz not null default now(),
    retired_at  timestamptz
);

-- Portal links: a single-use code (only its SHA-256 is stored) that the console exchanges for a session.
-- used_at is set by the one exchange that wins; the row is kept until it expires, then deleted by maintenance.
create table portal_code (
    code_hash   bytea primary key check (length(code_hash) = 32),
    tenant_id   uuid not null references tenant (id) on delete cascade,
    read_only   boolean not null,
    return_url  text check (length(return_url) <= 2000),
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz
);
create index portal_code_expiry on portal_code (expires_at);
