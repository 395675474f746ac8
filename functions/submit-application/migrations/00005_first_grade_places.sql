-- +goose Up
-- Each school's planned first-grade places for an academic year, as its
-- administration (or the municipality) sets them: the public site shows
-- them with the applications and the free places.
CREATE TABLE applications.first_grade_places (
    organisation_id uuid        NOT NULL,
    municipality_id uuid        NOT NULL,
    academic_year   smallint    NOT NULL,
    places          integer     NOT NULL CHECK (places BETWEEN 0 AND 1000),
    set_by          text        NOT NULL,
    set_at          timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, academic_year)
);
CREATE INDEX first_grade_places_municipality_idx ON applications.first_grade_places (municipality_id, academic_year);

-- +goose Down
DROP TABLE applications.first_grade_places;
