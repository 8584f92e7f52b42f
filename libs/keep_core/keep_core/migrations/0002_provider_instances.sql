-- Installed providers: the config stays one encrypted blob; what the pull scheduler
-- and the API need to filter on lives in plain columns beside it.
ALTER TABLE provider_instances
    ADD COLUMN config_version        integer NOT NULL DEFAULT 1,
    ADD COLUMN pull_enabled          boolean NOT NULL DEFAULT false,
    ADD COLUMN pull_interval_seconds double precision,
    ADD COLUMN last_pull_at          timestamptz,
    ADD COLUMN last_pull_error       text,
    ADD COLUMN last_pull_count       integer,
    -- Fingerprint -> minimal alert of what the last pull saw firing: an alert missing
    -- from the next pull is resolved by it.
    ADD COLUMN pull_state            jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN webhook_setup         jsonb,
    ADD CONSTRAINT provider_instances_tenant_name UNIQUE (tenant_id, name);

CREATE INDEX provider_instances_pulling ON provider_instances (last_pull_at) WHERE pull_enabled;
