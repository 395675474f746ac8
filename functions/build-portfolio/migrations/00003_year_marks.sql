-- +goose Up
-- Each pupil's confirmed year marks, from post-grade's year-mark.confirmed
-- (the latest confirmation wins): what the «отличник» achievement is
-- built from.
CREATE TABLE portfolio.year_marks (
    pupil_id      uuid        NOT NULL,
    academic_year integer     NOT NULL,
    subject_id    uuid        NOT NULL,
    value         smallint,
    passed        boolean,
    confirmed_at  timestamptz NOT NULL,
    PRIMARY KEY (pupil_id, academic_year, subject_id)
);

-- +goose Down
DROP TABLE portfolio.year_marks;
