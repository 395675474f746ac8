-- +goose Up
-- A review whose mark a later review of the same work replaced before the
-- journal placed it is told «superseded».
ALTER TABLE homework.reviews DROP CONSTRAINT reviews_journal_check;
ALTER TABLE homework.reviews ADD CONSTRAINT reviews_journal_check CHECK (journal IN ('none', 'pending', 'placed', 'deferred', 'superseded'));

-- +goose Down
UPDATE homework.reviews SET journal = 'pending' WHERE journal = 'superseded';
ALTER TABLE homework.reviews DROP CONSTRAINT reviews_journal_check;
ALTER TABLE homework.reviews ADD CONSTRAINT reviews_journal_check CHECK (journal IN ('none', 'pending', 'placed', 'deferred'));
