-- +goose Up
-- A pupil's homework list reads the homework due from a day on: the due
-- time is kept with each recipient, so that the list reads an index range
-- of the pupil's recent homework instead of the whole year's.
ALTER TABLE homework.recipients ADD COLUMN due_at timestamptz;
UPDATE homework.recipients r SET due_at = h.due_at FROM homework.homework h WHERE h.id = r.homework_id;
ALTER TABLE homework.recipients ALTER COLUMN due_at SET NOT NULL;
CREATE INDEX recipients_pupil_due_idx ON homework.recipients (pupil_id, due_at, homework_id);
DROP INDEX homework.recipients_pupil_idx;

-- +goose Down
CREATE INDEX recipients_pupil_idx ON homework.recipients (pupil_id, homework_id);
DROP INDEX homework.recipients_pupil_due_idx;
ALTER TABLE homework.recipients DROP COLUMN due_at;
