package issuehomework

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/storage"
)

// maxFiles is how many files a homework (the teacher's) or a submission takes.
const maxFiles = 10

// acceptedTypes are the files homework takes: PDF, images, office documents,
// plain text, archives.
var acceptedTypes = []string{
	"application/pdf",
	"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic",
	"application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet", "application/vnd.oasis.opendocument.presentation",
	"application/rtf", "text/plain",
	"application/zip", "application/x-7z-compressed", "application/vnd.rar",
}

// The kinds of files: a pupil's work and the teacher's material, 20 MiB each.
var (
	submissionFiles = storage.Kind{Name: "homework-submission", MaxSize: 20 << 20, ContentTypes: acceptedTypes}
	materialFiles   = storage.Kind{Name: "homework-material", MaxSize: 20 << 20, ContentTypes: acceptedTypes}
)

// attach: POST /api/issue-homework/homework/{id}/files — the homework's
// teacher, before its due time, gets a ticket to upload one file of material.
func (f *Function) attach(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in issuehomeworkapi.UploadRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	var ticket issuehomeworkapi.UploadTicket
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		h, err := f.editable(ctx, tx, id, anyVersion)
		if err != nil {
			return err
		}
		ticket, err = f.ticket(ctx, tx, materialFiles, h.ID, nil, in)
		return err
	})
	return httpx.Reply(w, http.StatusCreated, ticket, err)
}

// upload: POST /api/issue-homework/homework/{id}/submission/files — the
// pupil gets a ticket to upload one file of the own work (a draft or a
// returned work; the draft is made when nothing is saved yet).
func (f *Function) upload(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in issuehomeworkapi.UploadRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	pupil, err := pupilOf(ctx)
	if err != nil {
		return err
	}
	var ticket issuehomeworkapi.UploadTicket
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		h, err := f.ownHomework(ctx, tx, id, pupil)
		if err != nil {
			return err
		}
		s, err := draftOf(ctx, tx, h.ID, pupil, 0, false)
		if err != nil {
			return err
		}
		ticket, err = f.ticket(ctx, tx, submissionFiles, h.ID, &s.id, in)
		return err
	})
	return httpx.Reply(w, http.StatusCreated, ticket, err)
}

// ticket checks the declared file, records it (state uploading) and signs
// its upload.
func (f *Function) ticket(ctx context.Context, tx pgx.Tx, kind storage.Kind, h uuid.UUID, submission *uuid.UUID, in issuehomeworkapi.UploadRequest) (issuehomeworkapi.UploadTicket, error) {
	name := strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 255 || strings.ContainsAny(name, `/\`) ||
		strings.ContainsFunc(name, unicode.IsControl) || !utf8.ValidString(name) {
		return issuehomeworkapi.UploadTicket{}, errs.Fields("неверное имя файла", field("name", errs.Format, "имя файла: до 255 символов, без / и \\"))
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM homework.files WHERE homework_id = $1 AND submission_id IS NOT DISTINCT FROM $2
		AND state IN ('uploading', 'clean')`, h, submission).Scan(&n); err != nil {
		return issuehomeworkapi.UploadTicket{}, err
	}
	if n >= maxFiles {
		return issuehomeworkapi.UploadTicket{}, unprocessable(fmt.Sprintf("не больше %d файлов", maxFiles),
			field("name", issuehomeworkapi.ReasonFileCount, fmt.Sprintf("уже приложено %d файлов из %d; удалите лишние", n, maxFiles)))
	}
	t, err := f.store.PresignUpload(ctx, storage.Upload{Kind: kind, ContentType: in.ContentType, Size: in.Size})
	if err != nil {
		return issuehomeworkapi.UploadTicket{}, err
	}
	file := issuehomeworkapi.File{ID: uuid.Must(uuid.NewV7()), Name: name, ContentType: t.Headers["Content-Type"], Size: in.Size, State: "uploading"}
	if _, err := tx.Exec(ctx, `INSERT INTO homework.files (id, homework_id, submission_id, object_key, name, content_type, size, state, owner_subject, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'uploading', $8, clock_timestamp())`,
		file.ID, h, submission, t.Key, name, file.ContentType, in.Size, callerOf(ctx).subject); err != nil {
		return issuehomeworkapi.UploadTicket{}, fmt.Errorf("file: %w", err)
	}
	return issuehomeworkapi.UploadTicket{File: file, Method: t.Method, URL: t.URL, Headers: t.Headers, ExpiresAt: t.ExpiresAt}, nil
}

// storedFile is a file row with what its checks need.
type storedFile struct {
	issuehomeworkapi.File
	homework   *homework
	submission *uuid.UUID
	pupil      uuid.UUID // of the submission
	key        string
}

// loadFile reads file id with its homework (lock: FOR UPDATE of the file).
func loadFile(ctx context.Context, q querier, id uuid.UUID, lock bool) (*storedFile, error) {
	sql := `SELECT ` + homeworkColumns + `, ` + fileColumns + `, f.submission_id, coalesce(s.pupil_id, '00000000-0000-0000-0000-000000000000'), f.object_key
		FROM homework.files f JOIN homework.homework h ON h.id = f.homework_id LEFT JOIN homework.submissions s ON s.id = f.submission_id
		WHERE f.id = $1`
	if lock {
		sql += ` FOR UPDATE OF f`
	}
	var sf storedFile
	var sum []byte
	h, err := scanHomework(q.QueryRow(ctx, sql, id), &sf.ID, &sf.Name, &sf.ContentType, &sf.Size, &sum, &sf.State, &sf.Refusal, &sf.ConfirmedAt,
		&sf.submission, &sf.pupil, &sf.key)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if sum != nil {
		sf.SHA256 = fmt.Sprintf("%x", sum)
	}
	sf.homework = h
	return &sf, nil
}

// writeCheck is the object check of the one who uploads a file: the pupil
// for the own work, the homework's teacher for its material.
func writeCheck(ctx context.Context, sf *storedFile) error {
	if sf.submission != nil {
		return require(ctx, PermSubmit, ownWork(sf.pupil), theFile)
	}
	return require(ctx, PermIssue, teaching(sf.homework.OrganisationID, sf.homework.TeacherID), theFile)
}

// confirm: POST /api/issue-homework/files/{id}/confirm — the uploader says
// the upload finished. The object must be there with the declared size; its
// bytes are read once: the SHA-256 recorded, the content sniffed and, with
// CLAMD_ADDRESS, scanned by ClamAV. A file whose content is not of its
// declared type, or in which clamd finds malware, is deleted and refused
// (422, the refusal recorded on the file). Until confirmed, a file is in
// quarantine: nobody can download it or submit it. A scanner that cannot be
// asked answers 503 and leaves the file as it was, to be confirmed again.
func (f *Function) confirm(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var out issuehomeworkapi.File
	var refusal error
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		sf, err := loadFile(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if sf == nil {
			return notYours(theFile)
		}
		if err := writeCheck(ctx, sf); err != nil {
			return err
		}
		if sf.State != "uploading" { // confirmed before: the same answer
			out = sf.File
			return nil
		}
		found, err := f.store.Inspect(ctx, sf.key, f.scanner)
		switch {
		case errs.Is(err, errs.NotFound):
			return unprocessable("файл ещё не загружен", field("file", issuehomeworkapi.ReasonFileMissing, "загрузите файл по выданной ссылке, затем подтвердите"))
		case errors.Is(err, storage.ErrScannerDown):
			return errs.User(errs.Unavailable, "проверка файлов на вирусы временно недоступна: подтвердите загрузку чуть позже — файл сохранён")
		case err != nil:
			return err
		}
		if v := found.Judge(sf.Size, sf.ContentType); v.Refused {
			why, reason := v.Why, issuehomeworkapi.ReasonFileContent
			if v.Infected {
				reason = issuehomeworkapi.ReasonFileInfected
			}
			if err := f.store.Delete(ctx, sf.key); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE homework.files SET state = 'refused', refusal = $2, confirmed_at = clock_timestamp() WHERE id = $1`, id, why); err != nil {
				return err
			}
			refusal = unprocessable("файл отклонён: "+why, field("file", reason, why))
			return nil
		}
		if err := tx.QueryRow(ctx, `UPDATE homework.files SET state = 'clean', sha256 = $2, confirmed_at = clock_timestamp() WHERE id = $1
			RETURNING confirmed_at`, id, found.Sum).Scan(&sf.ConfirmedAt); err != nil {
			return err
		}
		sf.State, sf.SHA256 = "clean", fmt.Sprintf("%x", found.Sum)
		out = sf.File
		return nil
	})
	if err == nil && refusal != nil {
		err = refusal
	}
	return httpx.Reply(w, http.StatusOK, out, err)
}

// remove: DELETE /api/issue-homework/files/{id} — the one who uploaded a
// file takes it away: the pupil from a work not yet submitted (a draft, or
// returned for rework: a submitted work is taken back first), the teacher
// from the material before the due time. The file is marked removed (the
// receipts of earlier attempts keep its name and SHA-256), then its object
// is deleted; an object whose deletion fails stays behind unreachable.
func (f *Function) remove(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var key string
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		sf, err := loadFile(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if sf == nil || sf.State == "removed" {
			return notYours(theFile)
		}
		if err := writeCheck(ctx, sf); err != nil {
			return err
		}
		if sf.submission != nil {
			s, err := lockSubmission(ctx, tx, sf.homework.ID, sf.pupil)
			if err != nil {
				return err
			}
			if s != nil && s.state != issuehomeworkapi.Draft && s.state != issuehomeworkapi.Returned {
				return notNow(s, "работа сдана: чтобы убрать файл, заберите её до проверки")
			}
		} else if _, err := f.editable(ctx, tx, sf.homework.ID, anyVersion); err != nil {
			return err
		}
		key = sf.key
		_, err = tx.Exec(ctx, `UPDATE homework.files SET state = 'removed' WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return err
	}
	if err := f.store.Delete(ctx, key); err != nil && !errs.Is(err, errs.NotFound) {
		slog.WarnContext(ctx, "issue-homework: a removed file's object stays behind", "file", id, "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// download: GET /api/issue-homework/files/{id} — a short-lived link to a
// confirmed file, signed after the access check: material for whoever reads
// the homework, a pupil's file for the pupil, the parents, the teacher and
// the school's readers.
func (f *Function) download(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	sf, err := loadFile(ctx, f.db, id, false)
	if err != nil {
		return err
	}
	if sf == nil {
		return notYours(theFile)
	}
	h := sf.homework
	if sf.submission != nil {
		err = require(ctx, PermRead, pupilWork(sf.pupil, h.OrganisationID, h.ClassID, h.TeacherID), theFile)
	} else {
		_, err = f.readerPupil(ctx, h, "")
	}
	if err != nil {
		return err
	}
	if sf.State != "clean" {
		return unprocessable("файл недоступен: "+cmpOr(sf.Refusal, "он ещё не загружен"), field("file", issuehomeworkapi.ReasonFileMissing, "файл недоступен"))
	}
	url, err := f.store.PresignDownload(ctx, sf.key, sf.Name)
	if err != nil {
		return err
	}
	return httpx.Reply(w, http.StatusOK, issuehomeworkapi.Download{URL: url}, nil)
}
