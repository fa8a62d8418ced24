-- biye schema, version 1: the whole data model of the mission.
--
-- Written once for SQLite and PostgreSQL. The runner replaces `{{ID}}` with each
-- dialect's auto-increment primary key; everything else is common SQL.
-- Conventions (see ARCHITECTURE.md):
--   * instants are TEXT in RFC 3339 UTC ('2023-06-14T00:30:00Z');
--   * civil dates are TEXT 'YYYY-MM-DD', civil date-times (batch windows, in the
--     batch time zone) TEXT 'YYYY-MM-DDTHH:MM:SS'; both sort correctly as text;
--   * booleans are BIGINT 0/1 (the portable driver decodes no SQLite boolean);
--   * enumerations are TEXT with a CHECK listing the glossary identifiers;
--   * objects (photos, attachments, PDFs) live in the object store under a
--     content-addressed key; a row holds the key, never the bytes.

-- Reference data --------------------------------------------------------------

CREATE TABLE offices (
    code        TEXT PRIMARY KEY CHECK (length(code) = 4),   -- 0201 韶关市区
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE examining_schools (
    code        TEXT PRIMARY KEY,                             -- 619
    name        TEXT NOT NULL
);

CREATE TABLE majors (
    code        TEXT PRIMARY KEY,                             -- 670202
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('associate', 'bachelor'))
);

-- 考试计划: major + examining school + course group + version. The courses and
-- the requirement tree are stored as they were imported (JSON), and the courses
-- also as rows so that reports can join on them.
CREATE TABLE plans (
    id                      {{ID}},
    major_code              TEXT NOT NULL REFERENCES majors (code),
    examining_school_code   TEXT NOT NULL REFERENCES examining_schools (code),
    course_group            TEXT NOT NULL DEFAULT '',
    version                 BIGINT NOT NULL,
    valid_from              TEXT NOT NULL,
    valid_to                TEXT,
    definition              TEXT NOT NULL,                    -- domain::plan::Plan as JSON
    UNIQUE (major_code, examining_school_code, course_group, version)
);

CREATE TABLE plan_courses (
    plan_id     BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    course_code TEXT NOT NULL CHECK (length(course_code) = 5),
    name        TEXT NOT NULL,
    credits     BIGINT,                                       -- NULL for the thesis
    kind        TEXT NOT NULL CHECK (kind IN ('required', 'elective', 'supplementary', 'practical', 'thesis')),
    exam_mode   TEXT NOT NULL CHECK (exam_mode IN ('written', 'practical')),
    pair        BIGINT,
    PRIMARY KEY (plan_id, course_code)
);

-- 顶替 rules: passing the old course(s) counts for the new one inside a window.
CREATE TABLE substitution_rules (
    id          {{ID}},
    old_codes   TEXT NOT NULL,                                -- comma-separated course codes
    new_code    TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    UNIQUE (old_codes, new_code, valid_from)
);

-- 免考 rules: a certificate exempts courses (a theory course and its practical together).
CREATE TABLE exemption_rules (
    id              {{ID}},
    certificate     TEXT NOT NULL,                            -- e.g. 'CET-4'
    min_value       BIGINT,                                   -- e.g. 425
    course_codes    TEXT NOT NULL,                            -- comma-separated
    UNIQUE (certificate, course_codes)
);

-- Candidates and their exam records (考籍) --------------------------------------

CREATE TABLE candidates (
    id                      {{ID}},
    admission_no            TEXT NOT NULL UNIQUE CHECK (length(admission_no) = 12),
    name                    TEXT NOT NULL,
    gender                  TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    id_type                 TEXT NOT NULL CHECK (id_type IN ('resident_id', 'hk_macau_permit', 'taiwan_permit', 'passport')),
    id_no                   TEXT NOT NULL,
    birth_date              TEXT NOT NULL,
    ethnicity               TEXT NOT NULL DEFAULT '',         -- GB/T 3304
    political_status        TEXT NOT NULL DEFAULT '',         -- GB/T 4762
    native_place            TEXT NOT NULL DEFAULT '',
    education_level         TEXT NOT NULL DEFAULT '',         -- GB/T 4658
    occupation              TEXT NOT NULL DEFAULT '',
    employer                TEXT NOT NULL DEFAULT '',
    phone                   TEXT NOT NULL DEFAULT '',
    address                 TEXT NOT NULL DEFAULT '',
    office_code             TEXT REFERENCES offices (code),
    major_code              TEXT REFERENCES majors (code),    -- 报考专业
    examining_school_code   TEXT REFERENCES examining_schools (code),
    course_group            TEXT NOT NULL DEFAULT '',
    password_hash           TEXT,                             -- argon2id PHC string; NULL: not yet set
    confirmed_at            TEXT,                             -- record confirmed by the candidate
    updated_at              TEXT NOT NULL
);
CREATE INDEX candidates_id_no ON candidates (id_no);
CREATE INDEX candidates_office ON candidates (office_code);

CREATE TABLE scores (
    id                      {{ID}},
    candidate_id            BIGINT NOT NULL REFERENCES candidates (id),
    course_code             TEXT NOT NULL CHECK (length(course_code) = 5),
    course_name             TEXT NOT NULL DEFAULT '',
    sitting                 TEXT NOT NULL CHECK (length(sitting) = 6),   -- YYYYMM
    obtained_by             TEXT NOT NULL CHECK (obtained_by IN ('exam', 'exemption', 'substitution', 'transfer')),
    score                   BIGINT CHECK (score BETWEEN 0 AND 100),
    grade                   TEXT CHECK (grade IN ('excellent', 'good', 'fair', 'pass', 'fail')),
    credits                 BIGINT,
    status                  TEXT NOT NULL CHECK (status IN ('valid', 'void')),
    -- practicals and theses are bound to the major and school that examined them
    major_code              TEXT,
    examining_school_code   TEXT,
    CHECK ((score IS NULL) <> (grade IS NULL)),
    UNIQUE (candidate_id, course_code, sitting, obtained_by)
);

CREATE TABLE violations (
    id              {{ID}},
    candidate_id    BIGINT NOT NULL REFERENCES candidates (id),
    sitting         TEXT NOT NULL,
    description     TEXT NOT NULL,
    deferred_until  TEXT NOT NULL,                            -- may graduate on or after this date
    UNIQUE (candidate_id, sitting, description)
);

-- Pre-work (毕业办理前期工作): each must be completed before the batch's prework_due.
CREATE TABLE exemptions (
    id              {{ID}},
    candidate_id    BIGINT NOT NULL REFERENCES candidates (id),
    certificate     TEXT NOT NULL,
    course_codes    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected')),
    requested_at    TEXT NOT NULL,
    completed_at    TEXT
);

CREATE TABLE transfers (
    id              {{ID}},
    candidate_id    BIGINT NOT NULL REFERENCES candidates (id),
    from_reference  TEXT NOT NULL,                            -- other province / admission number
    status          TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected')),
    requested_at    TEXT NOT NULL,
    completed_at    TEXT
);

CREATE TABLE substitutions (
    id                  {{ID}},
    candidate_id        BIGINT NOT NULL REFERENCES candidates (id),
    old_codes           TEXT NOT NULL,
    new_code            TEXT NOT NULL,
    approved_at         TEXT NOT NULL,
    used_by_application BIGINT                                -- set once a graduation counted it
);

CREATE TABLE record_corrections (
    id              {{ID}},
    candidate_id    BIGINT NOT NULL REFERENCES candidates (id),
    field           TEXT NOT NULL CHECK (field IN ('name', 'gender', 'id_no', 'id_upgrade', 'birth_date', 'other')),
    old_value       TEXT NOT NULL,
    new_value       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected')),
    requested_at    TEXT NOT NULL,
    completed_at    TEXT
);

-- 前置学历 for 本科 applicants.
CREATE TABLE prior_educations (
    id                      {{ID}},
    candidate_id            BIGINT NOT NULL UNIQUE REFERENCES candidates (id),
    category                TEXT NOT NULL,                    -- key of a plan's supplementary requirement
    verification            TEXT NOT NULL CHECK (verification IN ('chsi_record', 'cdgdc_report', 'cscse_foreign', 'self_study_associate', 'pending_fresh_graduate')),
    diploma_no              TEXT NOT NULL DEFAULT '',
    school                  TEXT NOT NULL DEFAULT '',
    major                   TEXT NOT NULL DEFAULT '',
    level                   TEXT NOT NULL DEFAULT '',
    medical_related         BIGINT NOT NULL DEFAULT 0 CHECK (medical_related IN (0, 1)),
    graduated_on            TEXT,
    associate_admission_no  TEXT,                             -- 同时办理专科和本科毕业
    registered_at           TEXT NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('registered', 'verified', 'rejected')),
    verified_by             BIGINT,
    verified_at             TEXT,
    note                    TEXT NOT NULL DEFAULT ''
);

-- Certificates a candidate holds that special majors require (职业资格, 执业证书 …).
CREATE TABLE candidate_certificates (
    id              {{ID}},
    candidate_id    BIGINT NOT NULL REFERENCES candidates (id),
    kind            TEXT NOT NULL,                            -- e.g. 'vocational_senior', 'technical_school', 'practice_licence', 'CET-4'
    title           TEXT NOT NULL,
    value           BIGINT,
    valid_until     TEXT,
    UNIQUE (candidate_id, kind, title)
);

-- Graduation certificates already issued (condition 7).
CREATE TABLE certificates (
    id              {{ID}},
    candidate_id    BIGINT NOT NULL REFERENCES candidates (id),
    certificate_no  TEXT NOT NULL UNIQUE CHECK (length(certificate_no) = 17),
    major_code      TEXT NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('associate', 'bachelor')),
    issued_on       TEXT NOT NULL,
    application_id  BIGINT
);

-- Batches ------------------------------------------------------------------------

CREATE TABLE batches (
    code                            TEXT PRIMARY KEY,         -- 2023H1
    name                            TEXT NOT NULL,
    application_opens               TEXT NOT NULL,
    application_closes              TEXT NOT NULL,
    prework_due                     TEXT NOT NULL,
    prior_education_due             TEXT NOT NULL,
    prior_education_supplement_due  TEXT NOT NULL,
    materials_due                   TEXT NOT NULL,
    graduation_date                 TEXT NOT NULL,
    certificate_note                TEXT NOT NULL DEFAULT '',
    CHECK (application_opens < application_closes)
);

CREATE TABLE onsite_sessions (
    id              {{ID}},
    batch_code      TEXT NOT NULL REFERENCES batches (code),
    office_code     TEXT NOT NULL REFERENCES offices (code),
    opens           TEXT NOT NULL,
    closes          TEXT NOT NULL,
    location        TEXT NOT NULL DEFAULT '',
    CHECK (opens < closes),
    UNIQUE (batch_code, office_code, opens)
);

-- Staff and sessions ---------------------------------------------------------------

CREATE TABLE staff_users (
    id              {{ID}},
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('city_reviewer', 'provincial_reviewer', 'admin')),
    office_code     TEXT REFERENCES offices (code),
    active          BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    CHECK (role <> 'city_reviewer' OR office_code IS NOT NULL)
);

-- A session is looked up by the SHA-256 of its cookie token, so a leaked table
-- does not hand out live sessions.
CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    principal_kind  TEXT NOT NULL CHECK (principal_kind IN ('candidate', 'staff')),
    principal_id    BIGINT NOT NULL,
    csrf_token      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);

-- Applications and their reviews ----------------------------------------------------

CREATE TABLE graduation_applications (
    id                      {{ID}},
    candidate_id            BIGINT NOT NULL REFERENCES candidates (id),
    batch_code              TEXT NOT NULL REFERENCES batches (code),
    plan_id                 BIGINT NOT NULL REFERENCES plans (id),
    office_code             TEXT NOT NULL REFERENCES offices (code),
    phone                   TEXT NOT NULL,
    form_type               TEXT NOT NULL DEFAULT 'non_public_college',
    state                   TEXT NOT NULL,
    audit_snapshot          TEXT,                             -- the prediction when submitted (JSON)
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    UNIQUE (candidate_id, batch_code)
);
CREATE INDEX applications_office_state ON graduation_applications (office_code, state);

CREATE TABLE identity_checks (
    id              {{ID}},
    application_id  BIGINT NOT NULL REFERENCES graduation_applications (id),
    passed          BIGINT NOT NULL CHECK (passed IN (0, 1)),
    source          TEXT NOT NULL,                            -- which service answered
    detail          TEXT NOT NULL DEFAULT '',
    checked_at      TEXT NOT NULL
);

CREATE TABLE id_attachments (
    id              {{ID}},
    application_id  BIGINT NOT NULL REFERENCES graduation_applications (id),
    kind            TEXT NOT NULL CHECK (kind IN ('front', 'back', 'handheld')),
    object_key      TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    byte_size       BIGINT NOT NULL,
    uploaded_at     TEXT NOT NULL
);

CREATE TABLE id_attachment_reviews (
    id              {{ID}},
    application_id  BIGINT NOT NULL REFERENCES graduation_applications (id),
    level           TEXT NOT NULL CHECK (level IN ('city', 'provincial')),
    approved        BIGINT NOT NULL CHECK (approved IN (0, 1)),
    reviewer_id     BIGINT NOT NULL REFERENCES staff_users (id),
    comment         TEXT NOT NULL DEFAULT '',
    decided_at      TEXT NOT NULL
);

CREATE TABLE photos (
    id              {{ID}},
    candidate_id    BIGINT NOT NULL REFERENCES candidates (id),
    application_id  BIGINT REFERENCES graduation_applications (id),
    original_key    TEXT NOT NULL,                            -- what the phone sent
    fixed_key       TEXT,                                     -- the compliant 480×640 JPEG
    report          TEXT NOT NULL,                            -- photo::Report as JSON
    compliant       BIGINT NOT NULL CHECK (compliant IN (0, 1)),
    uploaded_at     TEXT NOT NULL
);

CREATE TABLE photo_reviews (
    id              {{ID}},
    photo_id        BIGINT NOT NULL REFERENCES photos (id),
    approved        BIGINT NOT NULL CHECK (approved IN (0, 1)),
    reason_code     TEXT,
    reviewer_id     BIGINT NOT NULL REFERENCES staff_users (id),
    comment         TEXT NOT NULL DEFAULT '',
    decided_at      TEXT NOT NULL
);

CREATE TABLE onsite_reviews (
    id                  {{ID}},
    application_id      BIGINT NOT NULL REFERENCES graduation_applications (id),
    approved            BIGINT NOT NULL CHECK (approved IN (0, 1)),
    moral_assessment    BIGINT NOT NULL CHECK (moral_assessment IN (0, 1)),
    materials           TEXT NOT NULL DEFAULT '[]',           -- checklist as JSON
    reviewer_id         BIGINT NOT NULL REFERENCES staff_users (id),
    comment             TEXT NOT NULL DEFAULT '',
    decided_at          TEXT NOT NULL
);

CREATE TABLE final_reviews (
    id              {{ID}},
    application_id  BIGINT NOT NULL REFERENCES graduation_applications (id),
    approved        BIGINT NOT NULL CHECK (approved IN (0, 1)),
    reviewer_id     BIGINT NOT NULL REFERENCES staff_users (id),
    comment         TEXT NOT NULL DEFAULT '',
    decided_at      TEXT NOT NULL
);

-- Append-only audit log: who did what to which row. Triggers (per dialect, in
-- 0001_init.<dialect>.sql) refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id          {{ID}},
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('candidate', 'staff', 'system', 'cli')),
    actor_id    BIGINT,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- Facts about this installation (e.g. whether the demo data set was loaded).
CREATE TABLE app_meta (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);
