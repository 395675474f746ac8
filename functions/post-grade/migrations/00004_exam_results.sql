-- +goose Up
-- Results of the state final attestation (ОГЭ, ЕГЭ, ГВЭ) and of colleges'
-- entrance examinations, imported by the school or college from CSV.
CREATE TABLE journal.exam_results (
    student_id      uuid        NOT NULL,
    organisation_id uuid        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('oge', 'ege', 'gve', 'entrance')),
    subject         text        NOT NULL CHECK (length(subject) BETWEEN 2 AND 100),
    exam_date       date        NOT NULL,
    score           smallint    CHECK (score BETWEEN 0 AND 100),
    mark            smallint    CHECK (mark BETWEEN 2 AND 5),
    imported_by     text        NOT NULL,
    imported_at     timestamptz NOT NULL,
    PRIMARY KEY (student_id, kind, subject, exam_date),
    CHECK (score IS NOT NULL OR mark IS NOT NULL)
);
CREATE INDEX exam_results_organisation_idx ON journal.exam_results (organisation_id, kind, exam_date);

-- +goose Down
DROP TABLE journal.exam_results;
