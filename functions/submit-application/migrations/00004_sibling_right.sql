-- +goose Up
-- The sibling right by the law (273-FZ art. 67 p. 3.1): a child has the
-- preferential right to the kindergartens and schools in which a brother or
-- sister of the same family studies — in those, not in every one the family
-- lists. The family and where each child studies are the registry's facts,
-- kept here from its events (families.go); a claim the registry cannot
-- confirm is decided by staff per kindergarten, with its document.

-- The registry's parent–child links (parent-link.* events): the family.
-- event_time is the time of the event last applied, so that an older event
-- arriving late changes nothing.
CREATE TABLE applications.family_links (
    link_id    uuid        PRIMARY KEY,
    parent_id  uuid        NOT NULL,
    child_id   uuid        NOT NULL,
    event_time timestamptz NOT NULL
);
CREATE INDEX family_links_child_idx ON applications.family_links (child_id);
CREATE INDEX family_links_parent_idx ON applications.family_links (parent_id);

-- The registry's enrollments (enrollment.* events): where each child studies.
CREATE TABLE applications.enrollments (
    enrollment_id   uuid        PRIMARY KEY,
    person_id       uuid        NOT NULL,
    organisation_id uuid        NOT NULL,
    starts_on       date        NOT NULL,
    ends_on         date,
    event_time      timestamptz NOT NULL
);
CREATE INDEX enrollments_person_idx ON applications.enrollments (person_id, organisation_id);

-- kemerovo_today is the date in Kemerovo: the day queues are computed for.
CREATE FUNCTION applications.kemerovo_today() RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (now() AT TIME ZONE 'Asia/Novokuznetsk')::date
$$;

-- sibling_in is a brother or sister of child (another child of one of its
-- parents) enrolled in organisation on day (the first by id), or NULL.
CREATE FUNCTION applications.sibling_in(child uuid, organisation uuid, day date) RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.child_id
    FROM applications.family_links me
    JOIN applications.family_links s ON s.parent_id = me.parent_id AND s.child_id <> me.child_id
    JOIN applications.enrollments e ON e.person_id = s.child_id AND e.organisation_id = organisation
    WHERE me.child_id = child AND e.starts_on <= day AND (e.ends_on IS NULL OR e.ends_on >= day)
    ORDER BY s.child_id
    LIMIT 1
$$;

-- kindergarten_general_privilege is the best confirmed privilege of a
-- kindergarten application that holds in every kindergarten (extraordinary,
-- then first_priority), or NULL.
CREATE FUNCTION applications.kindergarten_general_privilege(data jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p->>'kind'
    FROM jsonb_array_elements(coalesce(data->'privileges', '[]'::jsonb)) AS p
    WHERE p->>'confirmed' = 'true' AND p->>'kind' IN ('extraordinary', 'first_priority')
    ORDER BY array_position(ARRAY['extraordinary', 'first_priority'], p->>'kind')
    LIMIT 1
$$;

-- kindergarten_sibling_confirmed says whether staff confirmed the claimed
-- sibling right of a kindergarten application for kindergarten (the
-- claim's "kindergartens").
CREATE FUNCTION applications.kindergarten_sibling_confirmed(data jsonb, kindergarten uuid) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(data->'privileges', '[]'::jsonb) @> jsonb_build_array(jsonb_build_object('kind', 'sibling', 'kindergartens', jsonb_build_array(kindergarten::text)))
$$;

-- The queue entries with the privilege that counts in each kindergarten: an
-- extraordinary or first-priority right in every one; the sibling right where
-- the registry shows a brother or sister enrolled today, or where staff
-- confirmed the claim for that kindergarten.
DROP VIEW applications.kindergarten_queue_entries;
DROP FUNCTION applications.kindergarten_privilege(jsonb);
CREATE VIEW applications.kindergarten_queue_entries AS
SELECT a.id AS application_id,
       p.kindergarten_id,
       p.preference,
       a.municipality_id,
       applications.kindergarten_age_band(a.child_birth_date, (a.data->>'desired_start')::date) AS age_band,
       a.data->>'group_type' AS group_type,
       (a.data->>'desired_start')::date AS desired_start,
       x.privilege,
       applications.kindergarten_privilege_rank(x.privilege) AS privilege_rank,
       a.received_at,
       a.seq
FROM applications.applications a
CROSS JOIN LATERAL (
    SELECT k::uuid AS kindergarten_id, n::smallint AS preference
    FROM jsonb_array_elements_text(a.data->'preferences') WITH ORDINALITY AS t(k, n)
) p
CROSS JOIN LATERAL (
    SELECT coalesce(applications.kindergarten_general_privilege(a.data),
                    CASE WHEN applications.kindergarten_sibling_confirmed(a.data, p.kindergarten_id)
                           OR applications.sibling_in(a.child_id, p.kindergarten_id, applications.kemerovo_today()) IS NOT NULL
                         THEN 'sibling' END) AS privilege
) x
WHERE a.service = 'kindergarten' AND a.status = 'registered';

-- A decision on a sibling claim names the kindergarten it is about.
ALTER TABLE applications.privilege_decisions ADD COLUMN kindergarten_id uuid;

-- Sibling claims confirmed under the old rule counted in every kindergarten.
-- Each is now open again, for staff to confirm per kindergarten ("reconsider"
-- marks it in the municipality's list of claims to decide); the decision is
-- recorded; where the registry shows the sibling, the right counts without it.
INSERT INTO applications.privilege_decisions (application_id, kind, confirmed, comment, actor_subject, actor_role, decided_at)
SELECT a.id, 'sibling', false,
       'Решение, принятое до пересмотра: преимущественное право учитывается только в детском саду, который посещает брат или сестра (ч. 3.1 ст. 67 273-ФЗ); примите решение по каждому детскому саду',
       'system', 'system', now()
FROM applications.applications a
WHERE a.service = 'kindergarten' AND a.data->'privileges' @> '[{"kind":"sibling","confirmed":true}]';
UPDATE applications.applications a
SET data = jsonb_set(a.data, '{privileges}', (
        SELECT jsonb_agg(CASE WHEN p->>'kind' = 'sibling' AND p->>'confirmed' = 'true' AND NOT p ? 'kindergartens'
                              THEN p || '{"confirmed": false, "kindergartens": [], "reconsider": true}'::jsonb ELSE p END ORDER BY n)
        FROM jsonb_array_elements(a.data->'privileges') WITH ORDINALITY AS t(p, n))),
    updated_at = now()
WHERE a.service = 'kindergarten' AND a.data->'privileges' @> '[{"kind":"sibling","confirmed":true}]';

-- Every queue again by the rule, each moved position recorded with its cause.
UPDATE applications.queue_positions q
SET privilege = e.privilege, privilege_rank = e.privilege_rank
FROM applications.kindergarten_queue_entries e
WHERE e.application_id = q.application_id AND e.kindergarten_id = q.kindergarten_id
  AND q.privilege IS DISTINCT FROM e.privilege;
WITH ranked AS (
    SELECT application_id, kindergarten_id, position,
           row_number() OVER (PARTITION BY kindergarten_id, age_band ORDER BY privilege_rank, received_at, seq)::int AS fresh
    FROM applications.queue_positions
), moved AS (
    UPDATE applications.queue_positions q SET position = r.fresh
    FROM ranked r
    WHERE q.application_id = r.application_id AND q.kindergarten_id = r.kindergarten_id AND q.position IS DISTINCT FROM r.fresh
    RETURNING q.application_id, q.kindergarten_id, q.age_band, r.position AS from_position, q.position AS to_position
)
INSERT INTO applications.queue_history (application_id, kindergarten_id, age_band, from_position, to_position, cause, privilege, changed_at)
SELECT application_id, kindergarten_id, age_band, from_position, to_position, 'sibling_right_by_law', 'sibling', now() FROM moved;

-- +goose Down
-- Not reversed: the earlier rule counted a sibling claim in every chosen
-- kindergarten, which the law does not allow, and the claims reopened here
-- cannot be told from those never decided. Restore a backup to go back.
-- +goose StatementBegin
DO $$ BEGIN
    RAISE EXCEPTION 'migration 00004_sibling_right is not reversible: restore a backup taken before it';
END $$;
-- +goose StatementEnd
