CREATE TABLE tenants (
    id          text PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    key_hash    text PRIMARY KEY,          -- sha256 hex of the key; the key itself is never stored
    tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE provider_instances (
    id                text PRIMARY KEY,
    tenant_id         text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    provider_type     text NOT NULL,
    name              text NOT NULL,
    config_encrypted  bytea NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Current state per alert; `last_event_id` tells which AlertEvent wrote it.
CREATE TABLE alerts (
    tenant_id      text NOT NULL,
    fingerprint    text NOT NULL,
    name           text NOT NULL,
    status         text NOT NULL,
    severity       text NOT NULL,
    service        text,
    environment    text NOT NULL,
    provider_type  text,
    last_received  timestamptz NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_event_id  text NOT NULL,
    alert          jsonb NOT NULL,
    PRIMARY KEY (tenant_id, fingerprint)
);
CREATE INDEX alerts_tenant_received ON alerts (tenant_id, last_received DESC);

CREATE TABLE incidents (
    id              text PRIMARY KEY,
    tenant_id       text NOT NULL,
    rule            text NOT NULL,
    group_key       text NOT NULL,
    name            text NOT NULL,
    status          text NOT NULL,
    severity        text NOT NULL,
    version         integer NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    last_alert_at   timestamptz NOT NULL,
    resolved_at     timestamptz
);
CREATE INDEX incidents_open_group ON incidents (tenant_id, rule, group_key) WHERE status <> 'resolved';
CREATE INDEX incidents_tenant_created ON incidents (tenant_id, created_at DESC);

CREATE TABLE incident_alerts (
    incident_id  text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    tenant_id    text NOT NULL,
    fingerprint  text NOT NULL,
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, fingerprint)
);
CREATE INDEX incident_alerts_by_alert ON incident_alerts (tenant_id, fingerprint);

-- Incident changes written in the same transaction as the change and published after
-- commit, so a crash between the two loses no event.
CREATE TABLE incident_outbox (
    id            bigserial PRIMARY KEY,
    incident_id   text NOT NULL,
    version       integer NOT NULL,
    message_key   text NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    UNIQUE (incident_id, version)
);
CREATE INDEX incident_outbox_unpublished ON incident_outbox (id) WHERE published_at IS NULL;

-- Kafka delivers at least once; a consumer records each event id it applied, in the
-- transaction that applied it, so a redelivered message changes nothing.
CREATE TABLE processed_events (
    consumer      text NOT NULL,
    event_id      text NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

CREATE TABLE correlation_rules (
    id              text PRIMARY KEY,
    tenant_id       text NOT NULL,
    name            text NOT NULL,
    group_by        text[] NOT NULL,
    window_seconds  integer NOT NULL,
    enabled         boolean NOT NULL DEFAULT true
);

CREATE TABLE action_rules (
    id          text PRIMARY KEY,
    tenant_id   text NOT NULL,
    name        text NOT NULL,
    definition  jsonb NOT NULL,
    enabled     boolean NOT NULL DEFAULT true
);

CREATE TABLE action_runs (
    idempotency_key    text PRIMARY KEY,
    request_id         text NOT NULL,
    tenant_id          text NOT NULL,
    rule               text NOT NULL,
    provider_instance  text NOT NULL,
    incident_id        text NOT NULL,
    outcome            text NOT NULL,      -- pending, succeeded, failed
    request            jsonb NOT NULL,     -- the ActionRequest, so a failed run can be replayed
    attempts           integer NOT NULL DEFAULT 0,
    status_code        integer,
    response_summary   text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz
);
CREATE INDEX action_runs_incident ON action_runs (tenant_id, incident_id);

CREATE TABLE alert_errors (
    event_id       text PRIMARY KEY,
    tenant_id      text NOT NULL,
    provider_type  text NOT NULL,
    stage          text NOT NULL,
    error_type     text NOT NULL,
    error_message  text NOT NULL,
    raw            jsonb NOT NULL,
    attempt        integer NOT NULL,
    failed_at      timestamptz NOT NULL,
    replayed_at    timestamptz
);
CREATE INDEX alert_errors_tenant_failed ON alert_errors (tenant_id, failed_at DESC);
