-- biye schema, version 5: taking the certificate photo on a phone.

-- The QR code's link: a random token (stored as its SHA-256) bound to one
-- application, valid 15 minutes, used up when a photo is submitted.
CREATE TABLE capture_tokens (
    token_hash      TEXT PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES graduation_applications (id),
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
);
CREATE INDEX photos_application ON photos (application_id, id);
