-- biye schema, version 4: the candidate's journey.

-- Every change of an application's state, with who caused it and why: the
-- candidate's status page reads it, and it explains every state (append-only).
CREATE TABLE application_events (
    id              {{ID}},
    application_id  BIGINT NOT NULL REFERENCES graduation_applications (id),
    at              TEXT NOT NULL,
    event           TEXT NOT NULL,
    from_state      TEXT NOT NULL,                           -- '' when the application was created
    to_state        TEXT NOT NULL,
    actor_kind      TEXT NOT NULL CHECK (actor_kind IN ('candidate', 'staff', 'system', 'cli')),
    actor_id        BIGINT,
    reason          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX application_events_application ON application_events (application_id, id);
