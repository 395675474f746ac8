-- +goose Up
-- The vocational colleges' specialties in an academic year's admission:
-- the federal list's code and title, the study form, the basis (after the
-- 9th or the 11th grade), the budget and paid places, the entrance test.
CREATE TABLE college.specialties (
    id              uuid        PRIMARY KEY,
    organisation_id uuid        NOT NULL,
    municipality_id uuid        NOT NULL,
    academic_year   smallint    NOT NULL,
    code            text        NOT NULL CHECK (code ~ '^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$'),
    title           text        NOT NULL CHECK (length(title) BETWEEN 3 AND 300),
    form            text        NOT NULL CHECK (form IN ('full_time', 'part_time', 'extramural')),
    after_grade     smallint    NOT NULL CHECK (after_grade IN (9, 11)),
    duration        text        NOT NULL CHECK (length(duration) BETWEEN 1 AND 50),
    budget_places   integer     NOT NULL CHECK (budget_places BETWEEN 0 AND 1000),
    paid_places     integer     NOT NULL CHECK (paid_places BETWEEN 0 AND 1000),
    entrance_test   text        NOT NULL DEFAULT '' CHECK (length(entrance_test) <= 300),
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    UNIQUE (organisation_id, academic_year, code, form, after_grade)
);
CREATE INDEX specialties_year_idx ON college.specialties (academic_year, organisation_id);

-- +goose Down
DROP TABLE college.specialties;
