-- Device and app attestation (issue 11, part 3).
-- Single-use challenges a phone's secure hardware signs into its attestation.
CREATE TABLE attestation_challenges (
    challenge_hash TEXT PRIMARY KEY,
    expires_ms BIGINT NOT NULL,
    used BIGINT NOT NULL DEFAULT 0
);
-- App Attest keys attested here (a key is attested once, later logins send an
-- assertion), with the last assertion counter seen: replays carry an old one.
CREATE TABLE app_attest_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    counter BIGINT NOT NULL
);
-- Where the key that signed the evidence lived: software, tee, strongbox, app-attest.
ALTER TABLE certifications ADD COLUMN attestation_level TEXT;
