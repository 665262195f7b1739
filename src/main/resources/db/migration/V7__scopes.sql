-- Scoped credentials. Expand only: 0.1.0 issues keys without scopes (null), which may do everything, as
-- they always could.
-- scopes: space-separated (outport:read outport:write outport:webhooks); null = all three.
alter table api_key add column scopes text
    check (scopes ~ '^(outport:(read|write|webhooks))( outport:(read|write|webhooks))*$');
