-- biye schema, version 10: the photo on file (P11 of the photo standard's
-- process: the capture is compared with an authoritative photo). The exam
-- system hands over each candidate's registration photo; one per candidate,
-- replaced when a newer one is imported. The bytes live in the object store.
CREATE TABLE photos_on_file (
    candidate_id  BIGINT PRIMARY KEY REFERENCES candidates (id),
    object_key    TEXT NOT NULL,
    source        TEXT NOT NULL,
    imported_at   TEXT NOT NULL
);
