-- +goose Up
-- The single regional database of organisations and participants (decree No. 390, §2.1).

CREATE TABLE registry.municipalities (
    id         uuid PRIMARY KEY,
    code       text NOT NULL UNIQUE,            -- stable key, e.g. 'kemerovo'
    name       text NOT NULL,
    oktmo      text NOT NULL UNIQUE CHECK (oktmo ~ '^[0-9]{8}([0-9]{3})?$'),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registry.organisations (
    id              uuid PRIMARY KEY,
    code            text UNIQUE,                -- stable key for fixtures and imports
    kind            text NOT NULL CHECK (kind IN ('ministry', 'municipal_authority', 'school', 'kindergarten',
                                                  'college', 'additional_education', 'guardianship', 'kdn')),
    full_name       text NOT NULL CHECK (length(full_name) BETWEEN 3 AND 500),
    short_name      text NOT NULL CHECK (length(short_name) BETWEEN 2 AND 200),
    inn             text NOT NULL UNIQUE CHECK (inn ~ '^[0-9]{10}$'),
    ogrn            text NOT NULL UNIQUE CHECK (ogrn ~ '^[0-9]{13}$'),
    address         text NOT NULL DEFAULT '',
    municipality_id uuid REFERENCES registry.municipalities (id),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'reorganising', 'closed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'ministry' OR municipality_id IS NOT NULL)
);
CREATE INDEX organisations_municipality_idx ON registry.organisations (municipality_id, kind);
CREATE INDEX organisations_name_idx ON registry.organisations (lower(short_name) text_pattern_ops);

-- People are digital profiles. SNILS and identity documents are stored sealed
-- (AES-GCM, shared/pdata) with a keyed hash for lookup and a mask for display.
CREATE TABLE registry.people (
    id           uuid PRIMARY KEY,
    family_name  text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 100),
    given_name   text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 100),
    middle_name  text NOT NULL DEFAULT '' CHECK (length(middle_name) <= 100),
    birth_date   date NOT NULL,
    gender       text NOT NULL CHECK (gender IN ('M', 'F')),
    snils_sealed bytea,
    snils_hash   bytea UNIQUE,
    snils_mask   text NOT NULL DEFAULT '',
    doc_type     text NOT NULL DEFAULT '' CHECK (doc_type IN ('', 'RF_PASSPORT', 'BRTH_CERT', 'FID_DOC', 'FRGN_BRTH_CERT')),
    doc_sealed   bytea,
    doc_hash     bytea,
    doc_mask     text NOT NULL DEFAULT '',
    email        text NOT NULL DEFAULT '',
    phone        text NOT NULL DEFAULT '',
    esia_oid     text UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
-- Duplicate detection and search by name + birth date (ё folded to е, case-insensitive).
CREATE INDEX people_name_birth_idx ON registry.people
    (lower(replace(family_name, 'ё', 'е')), lower(replace(given_name, 'ё', 'е')), birth_date);
CREATE INDEX people_doc_hash_idx ON registry.people (doc_hash);

CREATE TABLE registry.classes (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES registry.organisations (id),
    academic_year   integer NOT NULL CHECK (academic_year BETWEEN 2000 AND 2100), -- 2026 = 2026/27
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),           -- '5А', 'Старшая группа «Солнышко»'
    kind            text NOT NULL CHECK (kind IN ('class', 'group')),
    grade           integer CHECK (grade BETWEEN 1 AND 11),                         -- classes of general schools
    age_from        integer CHECK (age_from BETWEEN 0 AND 18),                      -- kindergarten groups
    age_to          integer CHECK (age_to BETWEEN 0 AND 18),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, academic_year, name)
);

-- Staff roles at an organisation. A class teacher row names the class.
CREATE TABLE registry.staff (
    id              uuid PRIMARY KEY,
    person_id       uuid NOT NULL REFERENCES registry.people (id),
    organisation_id uuid NOT NULL REFERENCES registry.organisations (id),
    role            text NOT NULL CHECK (role IN ('director', 'deputy_director', 'teacher', 'class_teacher', 'clerk',
                                                  'official', 'ministry_official', 'municipal_official',
                                                  'guardianship_official', 'kdn_official')),
    class_id        uuid REFERENCES registry.classes (id),
    position        text NOT NULL DEFAULT '',
    starts_on       date NOT NULL,
    ends_on         date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on),
    CHECK ((role = 'class_teacher') = (class_id IS NOT NULL))
);
CREATE INDEX staff_person_idx ON registry.staff (person_id);
CREATE INDEX staff_organisation_idx ON registry.staff (organisation_id, role);
CREATE UNIQUE INDEX staff_unique_idx ON registry.staff (person_id, organisation_id, role, coalesce(class_id, '00000000-0000-0000-0000-000000000000'), starts_on);

-- A student's (or a kindergarten child's) place: organisation, class or group, academic year, dates.
CREATE TABLE registry.enrollments (
    id              uuid PRIMARY KEY,
    person_id       uuid NOT NULL REFERENCES registry.people (id),
    organisation_id uuid NOT NULL REFERENCES registry.organisations (id),
    class_id        uuid REFERENCES registry.classes (id),
    academic_year   integer NOT NULL CHECK (academic_year BETWEEN 2000 AND 2100),
    starts_on       date NOT NULL,
    ends_on         date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on),
    UNIQUE (person_id, organisation_id, academic_year)
);
CREATE INDEX enrollments_person_idx ON registry.enrollments (person_id);
CREATE INDEX enrollments_class_idx ON registry.enrollments (class_id);
CREATE INDEX enrollments_organisation_idx ON registry.enrollments (organisation_id, academic_year);

-- Parent (legal representative) to child, and where the link came from.
CREATE TABLE registry.parent_links (
    id         uuid PRIMARY KEY,
    parent_id  uuid NOT NULL REFERENCES registry.people (id),
    child_id   uuid NOT NULL REFERENCES registry.people (id),
    relation   text NOT NULL CHECK (relation IN ('mother', 'father', 'guardian')),
    source     text NOT NULL CHECK (source IN ('import', 'esia', 'application', 'manual')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id <> child_id),
    UNIQUE (parent_id, child_id)
);
CREATE INDEX parent_links_child_idx ON registry.parent_links (child_id);

-- +goose Down
DROP TABLE registry.parent_links;
DROP TABLE registry.enrollments;
DROP TABLE registry.staff;
DROP TABLE registry.classes;
DROP TABLE registry.people;
DROP TABLE registry.organisations;
DROP TABLE registry.municipalities;
