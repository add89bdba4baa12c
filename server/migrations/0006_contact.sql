-- Address, post code and phone given in the app while certifying: every
-- change is kept (who made it, when), the latest is the person's contact,
-- and the agency exports the changes (`certd contact-changes`).
CREATE TABLE contact_changes (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    address TEXT NOT NULL,
    post_code TEXT NOT NULL,
    mobile TEXT NOT NULL,
    changed_by TEXT NOT NULL REFERENCES persons(id),
    changed_ms BIGINT NOT NULL
);
CREATE INDEX contact_changes_person ON contact_changes (person_id, changed_ms);
CREATE INDEX contact_changes_time ON contact_changes (changed_ms);
