-- Issue 13 (accounts only their owner can open; a server that holds under abuse).
-- An account is `registered` until verified by a passed self-certification or
-- at an agency counter; NULL means not verified yet.
ALTER TABLE accounts ADD COLUMN verified_ms BIGINT;
-- Failed-guess counters, one row per key (an account from one client, a
-- client, an account from anywhere, a registration name check...). Each
-- attempt reserves a slot in one atomic upsert before any password is checked,
-- so concurrent guesses cannot all slip in under the limit.
CREATE TABLE guard_counters (
    key TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL,
    since_ms BIGINT NOT NULL,
    locked_until_ms BIGINT NOT NULL DEFAULT 0
);
-- Upload claims: an upload owns its certification (open -> verifying) before
-- any evidence is judged or stored; a claim older than its lease is stale
-- (the server died mid-verification) and may be taken over by a retry.
ALTER TABLE certifications ADD COLUMN claimed_ms BIGINT;
-- Started certifications per person per day are limited (review flooding).
CREATE INDEX certifications_actor ON certifications (actor_id, started_ms)
;
-- Which receipt key signed a receipt (NULL: before keys had ids, i.e. k1).
ALTER TABLE certifications ADD COLUMN receipt_kid TEXT
