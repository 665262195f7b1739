-- The product database the tests export from (the "source" datasource): a shop with its own tables,
-- row-level security, and a role that may only SELECT. Run as a superuser on a fresh database.
create extension if not exists citext;
create schema shop;
create type shop.order_status as enum ('pending', 'paid', 'shipped', 'refunded');

create table shop.orders (
    id          bigint generated always as identity primary key,
    account_id  text not null,
    created_at  timestamptz not null,
    status      shop.order_status not null,
    total       numeric(12,2) not null,
    customer    text,
    paid        boolean not null default false,
    quantity    integer not null default 1,
    tags        text[] not null default '{}',
    meta        jsonb,
    ref         uuid,
    updated_at  timestamptz not null default now()
);
create index orders_tenant_time on shop.orders (account_id, created_at, id);

-- Row-level security: a reader sees only the rows of the tenant its transaction names.
alter table shop.orders enable row level security;
create policy orders_tenant on shop.orders for select
    using (account_id = current_setting('outport.tenant', true));

-- Owned by the superuser that created it, this view bypasses the policy: only Outport's own tenant
-- predicate keeps tenants apart when it is exported.
create view shop.orders_unprotected as select * from shop.orders;

-- Every type of the file format table, with a day column (time-column of type date).
create table shop.every_type (
    id          bigint not null,
    account_id  bigint not null,
    day         date not null,
    c_int2      smallint,
    c_int4      integer,
    c_int8      bigint,
    c_numeric   numeric,
    c_real      real,
    c_double    double precision,
    c_bool      boolean,
    c_text      text,
    c_varchar   varchar(20),
    c_char      char(3),
    c_citext    citext,
    c_enum      shop.order_status,
    c_uuid      uuid,
    c_date      date,
    c_time      time,
    c_ts        timestamp,
    c_tstz      timestamptz,
    c_interval  interval,
    c_json      json,
    c_jsonb     jsonb,
    c_int_arr   integer[],
    c_text_arr  text[],
    c_num_arr   numeric[],
    c_tstz_arr  timestamptz[],
    c_bytea     bytea,
    c_bytea_arr bytea[],
    c_inet      inet,
    c_range     int4range,
    primary key (account_id, id)
);
create index every_type_tenant_day on shop.every_type (account_id, day, id);

-- A table without the (tenant, time, id) index: declared, it starts with a warning.
create table shop.notes (
    id          bigint primary key,
    account_id  text not null,
    written_on  timestamp not null,
    body        text
);

-- Roles are the cluster's, and test JVMs set up their databases at the same time: the loser of a race is fine.
do $$ begin
    if not exists (select from pg_roles where rolname = 'outport_reader') then
        create role outport_reader login;
    end if;
exception when duplicate_object or unique_violation then
    null;
end $$;
grant usage on schema shop to outport_reader;
grant select on all tables in schema shop to outport_reader;
