-- +goose Up
-- Names compare as people write them: case and ё/е do not matter — a capital Ё
-- too («Ёлкина» is «Елкина»), which lower(replace(x, 'ё', 'е')) missed. One
-- function, the same fold as the registry's Go (foldName), for the index and
-- every query by name.
-- +goose StatementBegin
CREATE FUNCTION registry.fold_name(s text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(translate(s, 'Ёё', 'Ее')) $$;
-- +goose StatementEnd

DROP INDEX registry.people_name_birth_idx;
CREATE INDEX people_name_birth_idx ON registry.people
    (registry.fold_name(family_name), registry.fold_name(given_name), birth_date);

-- +goose Down
DROP INDEX registry.people_name_birth_idx;
CREATE INDEX people_name_birth_idx ON registry.people
    (lower(replace(family_name, 'ё', 'е')), lower(replace(given_name, 'ё', 'е')), birth_date);
DROP FUNCTION registry.fold_name(text);
