-- biye schema, version 3: accounts, sessions and personal-data access.

-- An administrator's reset (or a new account) gives a one-time password that
-- must be changed at the first sign-in.
ALTER TABLE staff_users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));

-- Idle timeout: a session unused for longer than its kind allows is over.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_principal ON sessions (principal_kind, principal_id);

-- Failed password and code checks, per account and per client address, so
-- that lock-outs hold across several server processes.
CREATE TABLE throttle (
    key             TEXT PRIMARY KEY,                        -- e.g. 'login:candidate:17', 'ip:203.0.113.5'
    failures        BIGINT NOT NULL,
    window_start    TEXT NOT NULL,
    locked_until    TEXT
);

-- One-time codes sent by SMS (first sign-in, forgotten password). The code and
-- the ticket that names the request are stored only as MACs.
CREATE TABLE one_time_codes (
    id              {{ID}},
    candidate_id    BIGINT NOT NULL REFERENCES candidates (id),
    purpose         TEXT NOT NULL CHECK (purpose IN ('set_password')),
    ticket_hash     TEXT NOT NULL UNIQUE,
    code_hash       TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
);
CREATE INDEX one_time_codes_candidate ON one_time_codes (candidate_id, created_at);

-- Every read of a candidate's personal data by staff (PIPL): who, when, which
-- candidate, what and why. Append-only like the audit log.
CREATE TABLE access_log (
    id              {{ID}},
    at              TEXT NOT NULL,
    staff_id        BIGINT NOT NULL REFERENCES staff_users (id),
    candidate_id    BIGINT NOT NULL REFERENCES candidates (id),
    action          TEXT NOT NULL,                           -- e.g. 'onsite_lookup'
    purpose         TEXT NOT NULL                            -- in Chinese, as shown to the administrator
);
CREATE INDEX access_log_candidate ON access_log (candidate_id, at);
CREATE INDEX access_log_staff ON access_log (staff_id, at);
