-- biye schema, version 7: evidence for a record correction (考籍信息更正),
-- re-encoded images in the object store.
CREATE TABLE correction_evidence (
    id              {{ID}},
    correction_id   BIGINT NOT NULL REFERENCES record_corrections (id),
    object_key      TEXT NOT NULL,
    byte_size       BIGINT NOT NULL,
    uploaded_at     TEXT NOT NULL
);
CREATE INDEX correction_evidence_correction ON correction_evidence (correction_id);
