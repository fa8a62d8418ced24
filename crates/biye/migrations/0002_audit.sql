-- biye schema, version 2: what the graduation audit needs beyond version 1.

-- The courses a graduation counted: they cannot substitute for another course
-- in a later graduation (顶替不得重复使用). Comma-separated course codes.
ALTER TABLE certificates ADD COLUMN courses_used TEXT NOT NULL DEFAULT '';

-- Natural keys of the pre-work records, so imports upsert them idempotently.
CREATE UNIQUE INDEX exemptions_key ON exemptions (candidate_id, certificate, course_codes);
CREATE UNIQUE INDEX transfers_key ON transfers (candidate_id, from_reference);
CREATE UNIQUE INDEX record_corrections_key ON record_corrections (candidate_id, field, new_value);
