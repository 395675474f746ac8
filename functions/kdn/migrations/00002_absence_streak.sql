-- +goose Up
-- The journal's absence.streak (school days in a row missed without a valid
-- reason) opens a case or joins the open one.
ALTER TABLE kdn.cases DROP CONSTRAINT cases_reason_check;
ALTER TABLE kdn.cases ADD CONSTRAINT cases_reason_check CHECK (reason IN ('chronic_absence', 'referral', 'absence_streak'));
ALTER TABLE kdn.signals DROP CONSTRAINT signals_kind_check;
ALTER TABLE kdn.signals ADD CONSTRAINT signals_kind_check CHECK (kind IN ('chronic_absence', 'referral', 'absence_streak'));

-- +goose Down
DELETE FROM kdn.signals WHERE kind = 'absence_streak';
ALTER TABLE kdn.signals DROP CONSTRAINT signals_kind_check;
ALTER TABLE kdn.signals ADD CONSTRAINT signals_kind_check CHECK (kind IN ('chronic_absence', 'referral'));
ALTER TABLE kdn.cases DROP CONSTRAINT cases_reason_check;
ALTER TABLE kdn.cases ADD CONSTRAINT cases_reason_check CHECK (reason IN ('chronic_absence', 'referral'));
