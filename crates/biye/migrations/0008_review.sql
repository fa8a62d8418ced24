-- biye schema, version 8: the offices' review queues.

-- A record correction is decided by the city office, then the province; the
-- city's decision is kept beside the final one.
ALTER TABLE record_corrections ADD COLUMN city_reviewer_id BIGINT REFERENCES staff_users (id);
ALTER TABLE record_corrections ADD COLUMN city_decided_at TEXT;
ALTER TABLE record_corrections ADD COLUMN reviewer_id BIGINT REFERENCES staff_users (id);
ALTER TABLE record_corrections ADD COLUMN reason TEXT NOT NULL DEFAULT '';
CREATE INDEX record_corrections_status ON record_corrections (status, id);
CREATE INDEX prior_educations_status ON prior_educations (status, id);
CREATE INDEX applications_batch_state ON graduation_applications (batch_code, state);
CREATE INDEX application_events_at ON application_events (at);

-- 登记表类型 the candidate chooses when printing (the notice: 非公开学院).
CREATE TABLE form_types (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    active  BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
INSERT INTO form_types (code, name) VALUES ('non_public_college', '非公开学院');
INSERT INTO form_types (code, name) VALUES ('public_college', '公开学院');
