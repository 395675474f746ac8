-- +goose Up
-- What an organisation publishes about itself (Federal Law 273-FZ, art. 29):
-- its contacts and its educational licence, shown on the public site's card.
ALTER TABLE registry.organisations
    ADD COLUMN phone          text NOT NULL DEFAULT '' CHECK (length(phone) <= 50),
    ADD COLUMN email          text NOT NULL DEFAULT '' CHECK (length(email) <= 200),
    ADD COLUMN website        text NOT NULL DEFAULT '' CHECK (length(website) <= 300),
    ADD COLUMN licence_number text NOT NULL DEFAULT '' CHECK (length(licence_number) <= 100),
    ADD COLUMN licence_date   date,
    ADD COLUMN licence_issuer text NOT NULL DEFAULT '' CHECK (length(licence_issuer) <= 300);

-- +goose Down
ALTER TABLE registry.organisations DROP COLUMN phone, DROP COLUMN email, DROP COLUMN website,
    DROP COLUMN licence_number, DROP COLUMN licence_date, DROP COLUMN licence_issuer;
