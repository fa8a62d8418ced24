-- A candidate's certificates are read on every prediction and audit of that
-- candidate: without this index each one scanned the whole table.
CREATE INDEX certificates_candidate ON certificates (candidate_id);

-- Background jobs run in one server process at a time: a round runs only in
-- the process that holds its job's lease, taken by a conditional upsert.
CREATE TABLE job_leases (
    job         TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,      -- a random id per server process
    until_at    TEXT NOT NULL       -- instant (ISO 8601): free again from then
);
