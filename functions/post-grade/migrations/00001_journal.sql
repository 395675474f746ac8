-- +goose Up
-- The electronic class journal: periods, subjects, teaching assignments,
-- lessons, marks with their history, attendance, and the roster the journal
-- checks marks against (a read model of the registry's enrollment events).
-- People, organisations and classes are registry ids; their data stay there.

-- Who is enrolled in which class, from enrollment.created / enrollment.changed.
CREATE TABLE journal.roster (
    enrollment_id   uuid    PRIMARY KEY,
    student_id      uuid    NOT NULL,
    organisation_id uuid    NOT NULL,
    class_id        uuid,
    academic_year   integer NOT NULL,
    starts_on       date    NOT NULL,
    ends_on         date
);
CREATE INDEX roster_class_idx ON journal.roster (class_id, student_id);
CREATE INDEX roster_student_idx ON journal.roster (student_id);

-- Subjects: a regional catalogue.
CREATE TABLE journal.subjects (
    id    uuid PRIMARY KEY,
    code  text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{1,40}$'),
    name  text NOT NULL CHECK (length(name) BETWEEN 2 AND 200)
);
INSERT INTO journal.subjects (id, code, name) VALUES
    ('0193b6c0-0000-7000-8000-000000000001', 'russian', 'Русский язык'),
    ('0193b6c0-0000-7000-8000-000000000002', 'literature', 'Литература'),
    ('0193b6c0-0000-7000-8000-000000000003', 'mathematics', 'Математика'),
    ('0193b6c0-0000-7000-8000-000000000004', 'history', 'История'),
    ('0193b6c0-0000-7000-8000-000000000005', 'biology', 'Биология'),
    ('0193b6c0-0000-7000-8000-000000000006', 'english', 'Иностранный язык (английский)'),
    ('0193b6c0-0000-7000-8000-000000000007', 'physical_education', 'Физическая культура'),
    ('0193b6c0-0000-7000-8000-000000000008', 'geography', 'География'),
    ('0193b6c0-0000-7000-8000-000000000009', 'informatics', 'Информатика');

-- Mark kinds and their weights in the weighted average.
CREATE TABLE journal.mark_kinds (
    code   text    PRIMARY KEY,
    title  text    NOT NULL,
    weight numeric(3, 1) NOT NULL CHECK (weight > 0 AND weight <= 10)
);
INSERT INTO journal.mark_kinds (code, title, weight) VALUES
    ('oral', 'Устный ответ', 1), ('homework', 'Домашняя работа', 1), ('independent', 'Самостоятельная работа', 1.5),
    ('test', 'Проверочная работа', 2), ('control', 'Контрольная работа', 3), ('dictation', 'Диктант', 2);

-- Academic periods of a school: quarters, trimesters or semesters.
CREATE TABLE journal.periods (
    id              uuid    PRIMARY KEY,
    organisation_id uuid    NOT NULL,
    academic_year   integer NOT NULL CHECK (academic_year BETWEEN 2000 AND 2100),
    kind            text    NOT NULL CHECK (kind IN ('quarter', 'trimester', 'semester')),
    no              smallint NOT NULL CHECK (no BETWEEN 1 AND 4),
    starts_on       date    NOT NULL,
    ends_on         date    NOT NULL CHECK (ends_on >= starts_on),
    closed_at       timestamptz,
    closed_by       text,
    UNIQUE (organisation_id, academic_year, kind, no)
);
CREATE INDEX periods_dates_idx ON journal.periods (organisation_id, starts_on, ends_on);

-- Who teaches which subject to which class in a year.
CREATE TABLE journal.assignments (
    id              uuid    PRIMARY KEY,
    organisation_id uuid    NOT NULL,
    academic_year   integer NOT NULL,
    teacher_id      uuid    NOT NULL,
    class_id        uuid    NOT NULL,
    subject_id      uuid    NOT NULL REFERENCES journal.subjects (id),
    UNIQUE (teacher_id, class_id, subject_id, academic_year)
);
CREATE INDEX assignments_class_idx ON journal.assignments (class_id, academic_year);

-- Lessons by date (from the timetable or one by one).
CREATE TABLE journal.lessons (
    id              uuid     PRIMARY KEY,
    assignment_id   uuid     NOT NULL REFERENCES journal.assignments (id),
    organisation_id uuid     NOT NULL,
    class_id        uuid     NOT NULL,
    subject_id      uuid     NOT NULL,
    teacher_id      uuid     NOT NULL,
    lesson_date     date     NOT NULL,
    lesson_no       smallint NOT NULL CHECK (lesson_no BETWEEN 1 AND 12),
    topic           text     CHECK (length(topic) <= 500),
    homework        text     CHECK (length(homework) <= 2000),
    UNIQUE (assignment_id, lesson_date, lesson_no)
);
CREATE INDEX lessons_class_date_idx ON journal.lessons (class_id, lesson_date);

-- Marks. A deleted mark stays (deleted_at) so that nothing is lost; version
-- rises on every change, and a writer must name the version it saw.
CREATE TABLE journal.marks (
    id           uuid        PRIMARY KEY,
    lesson_id    uuid        NOT NULL REFERENCES journal.lessons (id),
    student_id   uuid        NOT NULL,
    lesson_date  date        NOT NULL,
    subject_id   uuid        NOT NULL,
    class_id     uuid        NOT NULL,
    kind         text        NOT NULL REFERENCES journal.mark_kinds (code),
    value        smallint    CHECK (value BETWEEN 1 AND 5),
    passed       boolean,
    version      integer     NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL,
    created_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    CHECK ((value IS NULL) <> (passed IS NULL))
);
-- The diary: one student's marks by date.
CREATE INDEX marks_student_date_idx ON journal.marks (student_id, lesson_date) INCLUDE (subject_id, kind, value, passed) WHERE deleted_at IS NULL;
-- The journal grid: one lesson's marks.
CREATE INDEX marks_lesson_idx ON journal.marks (lesson_id);

-- Every change of a mark, append-only: the previous and the new value, who and why.
CREATE TABLE journal.mark_history (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mark_id       uuid        NOT NULL REFERENCES journal.marks (id),
    version       integer     NOT NULL,
    action        text        NOT NULL CHECK (action IN ('posted', 'changed', 'deleted')),
    old_value     smallint,
    old_passed    boolean,
    old_kind      text,
    new_value     smallint,
    new_passed    boolean,
    new_kind      text,
    reason        text        CHECK (length(reason) <= 500),
    actor_subject text        NOT NULL,
    actor_id      uuid,
    actor_role    text        NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX mark_history_mark_idx ON journal.mark_history (mark_id, id);
-- +goose StatementBegin
CREATE FUNCTION journal.refuse_history_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal.mark_history is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER mark_history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON journal.mark_history
    FOR EACH STATEMENT EXECUTE FUNCTION journal.refuse_history_rewrite();

-- Attendance of a lesson: only absences and lateness are recorded.
CREATE TABLE journal.attendance (
    lesson_id   uuid        NOT NULL REFERENCES journal.lessons (id),
    student_id  uuid        NOT NULL,
    lesson_date date        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('absent_illness', 'absent_excused', 'absent_unexcused', 'late')),
    marked_by   text        NOT NULL,
    marked_at   timestamptz NOT NULL,
    PRIMARY KEY (lesson_id, student_id)
);
CREATE INDEX attendance_student_idx ON journal.attendance (student_id, lesson_date);

-- +goose Down
DROP TABLE journal.attendance;
DROP TRIGGER mark_history_append_only ON journal.mark_history;
DROP FUNCTION journal.refuse_history_rewrite();
DROP TABLE journal.mark_history;
DROP TABLE journal.marks;
DROP TABLE journal.lessons;
DROP TABLE journal.assignments;
DROP TABLE journal.periods;
DROP TABLE journal.mark_kinds;
DROP TABLE journal.subjects;
DROP TABLE journal.roster;
