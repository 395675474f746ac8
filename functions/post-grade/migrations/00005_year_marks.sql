-- +goose Up
-- Year marks (from the confirmed term marks) and final marks (from the year
-- mark and the state final attestation), each confirmed by the teacher.
CREATE TABLE journal.year_marks (
    student_id    uuid          NOT NULL,
    subject_id    uuid          NOT NULL REFERENCES journal.subjects (id),
    academic_year integer       NOT NULL,
    kind          text          NOT NULL CHECK (kind IN ('year', 'final')),
    class_id      uuid          NOT NULL,
    suggested     numeric(3, 2),
    value         smallint      CHECK (value BETWEEN 1 AND 5),
    passed        boolean,
    confirmed_by  text          NOT NULL,
    confirmed_id  uuid,
    confirmed_at  timestamptz   NOT NULL,
    PRIMARY KEY (student_id, subject_id, academic_year, kind),
    CHECK ((value IS NULL) <> (passed IS NULL))
);

-- +goose Down
DROP TABLE journal.year_marks;
