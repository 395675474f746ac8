-- +goose Up
-- Who represents a child in law, and on what basis: a parent (by birth or
-- adoption), a guardian (опекун, попечитель) or a foster parent (приёмная
-- семья) — the last two by an act of the guardianship authority, named in
-- document. And a child in the care of an organisation for orphans
-- (организация для детей-сирот), by its act: the organisation is then the
-- child's legal representative.
ALTER TABLE registry.parent_links ADD COLUMN kind text NOT NULL DEFAULT 'parent' CHECK (kind IN ('parent', 'guardian', 'foster'));
ALTER TABLE registry.parent_links ADD COLUMN document text NOT NULL DEFAULT '' CHECK (length(document) <= 500);
UPDATE registry.parent_links SET kind = 'guardian' WHERE relation = 'guardian';

CREATE TABLE registry.care_placements (
    id              uuid        PRIMARY KEY,
    child_id        uuid        NOT NULL REFERENCES registry.people (id),
    organisation_id uuid        NOT NULL REFERENCES registry.organisations (id),
    document        text        NOT NULL CHECK (length(document) BETWEEN 3 AND 500),
    starts_on       date        NOT NULL,
    ends_on         date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX care_placements_child_idx ON registry.care_placements (child_id);
CREATE INDEX care_placements_organisation_idx ON registry.care_placements (organisation_id);

-- +goose Down
DROP TABLE registry.care_placements;
ALTER TABLE registry.parent_links DROP COLUMN document;
ALTER TABLE registry.parent_links DROP COLUMN kind;
