-- Portable between SQLite and PostgreSQL: text ids, BIGINT milliseconds,
-- no blobs (images live in the evidence store, embeddings as JSON text).
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    id_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    benefit_category TEXT,
    -- YYYY-MM of the first payment; NULL for account holders who draw no benefit.
    benefit_start TEXT,
    lost_reason TEXT,
    lost_date TEXT,
    template_key TEXT,
    template_embedding TEXT,
    created_ms BIGINT NOT NULL
);
CREATE TABLE accounts (
    person_id TEXT PRIMARY KEY REFERENCES persons(id),
    password_hash TEXT NOT NULL,
    mobile TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until_ms BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL
);
CREATE TABLE sessions (
    refresh_hash TEXT PRIMARY KEY,
    access_hash TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES persons(id),
    device_key TEXT NOT NULL,
    access_expires_ms BIGINT NOT NULL,
    refresh_expires_ms BIGINT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE bindings (
    id TEXT PRIMARY KEY,
    requester_id TEXT NOT NULL REFERENCES persons(id),
    relative_id TEXT NOT NULL REFERENCES persons(id),
    relation TEXT NOT NULL,
    state TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    UNIQUE (requester_id, relative_id)
);
CREATE TABLE certifications (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES persons(id),
    actor_id TEXT NOT NULL REFERENCES persons(id),
    nonce TEXT NOT NULL UNIQUE,
    actions TEXT NOT NULL,
    started_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    distance DOUBLE PRECISION,
    evidence_key TEXT,
    idempotency_key TEXT UNIQUE,
    body_sha256 TEXT,
    receipt_claims TEXT,
    receipt_signature TEXT,
    decided_ms BIGINT,
    cycle_start TEXT NOT NULL
);
CREATE INDEX certifications_subject ON certifications (subject_id, started_ms);
CREATE TABLE certification_events (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    day TEXT NOT NULL,
    method TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX certification_events_person ON certification_events (person_id, day);
CREATE TABLE bind_attempts (
    person_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
