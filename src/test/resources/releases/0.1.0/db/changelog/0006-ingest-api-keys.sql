--liquibase formatted sql

-- API keys for gateways, dashboards and operators (dev.factorytelemetry.auth, docs/auth.md).
-- Only the SHA-256 of a key is stored: keys are 256-bit random strings shown once on creation, so a
-- fast unsalted hash is enough (no dictionary to attack) and lets a request find its key by index.

--changeset factory-telemetry:0006-api-key
CREATE TABLE factory_telemetry.api_key (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    key_prefix text        NOT NULL,
    key_hash   bytea       NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    scopes     text[]      NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['ingest', 'read', 'admin']::text[]),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text,
    expires_at timestamptz,
    revoked_at timestamptz
);
COMMENT ON TABLE factory_telemetry.api_key IS 'API keys (bearer tokens): SHA-256 of the key, scopes ingest/read/admin; revoked keys are kept for audit';
COMMENT ON COLUMN factory_telemetry.api_key.key_prefix IS 'First characters of the key, to recognise it in lists and logs; not secret enough to authenticate';
