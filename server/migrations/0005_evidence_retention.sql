-- When a certification's evidence was deleted at the end of the audit
-- period (evidence_key is then NULL): the record says it existed and when
-- it went.
ALTER TABLE certifications ADD COLUMN evidence_purged_ms BIGINT;
