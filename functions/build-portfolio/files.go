package buildportfolio

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/storage"
)

// maxProofs is how many proof files a claim takes.
const maxProofs = 5

// proofFiles are scans of diplomas, certificates and orders: PDF or a
// photo, 20 MiB each.
var proofFiles = storage.Kind{Name: "portfolio-proof", MaxSize: 20 << 20,
	ContentTypes: []string{"application/pdf", "image/jpeg", "image/png", "image/webp", "image/heic"}}

// upload: POST /api/build-portfolio/achievements/{id}/files — the
// claimant's side gets a ticket to upload one proof file of a claim waiting
// for the decision.
func (f *Function) upload(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in buildportfolioapi.UploadRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	name := strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 255 || strings.ContainsAny(name, `/\`) ||
		strings.ContainsFunc(name, unicode.IsControl) || !utf8.ValidString(name) {
		return errs.Fields("неверное имя файла", field("name", errs.Format, "имя файла: до 255 символов, без / и \\"))
	}
	var ticket buildportfolioapi.UploadTicket
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		a, _, err := f.claimed(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.State != buildportfolioapi.Claimed {
			return notNow(a, "документы прикладываются, пока достижение на подтверждении")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM portfolio.files WHERE achievement_id = $1 AND state <> 'refused'`, id).Scan(&n); err != nil {
			return err
		}
		if n >= maxProofs {
			return unprocessable(fmt.Sprintf("не больше %d файлов", maxProofs),
				field("name", buildportfolioapi.ReasonFileCount, fmt.Sprintf("уже приложено %d файлов из %d", n, maxProofs)))
		}
		t, err := f.store.PresignUpload(ctx, storage.Upload{Kind: proofFiles, ContentType: in.ContentType, Size: in.Size})
		if err != nil {
			return err
		}
		file := buildportfolioapi.File{ID: uuid.Must(uuid.NewV7()), Name: name, ContentType: t.Headers["Content-Type"], Size: in.Size, State: "uploading"}
		if _, err := tx.Exec(ctx, `INSERT INTO portfolio.files (id, achievement_id, object_key, name, content_type, size, state, owner_subject, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'uploading', $7, clock_timestamp())`,
			file.ID, id, t.Key, name, file.ContentType, in.Size, callerSubject(ctx)); err != nil {
			return err
		}
		ticket = buildportfolioapi.UploadTicket{File: file, Method: t.Method, URL: t.URL, Headers: t.Headers, ExpiresAt: t.ExpiresAt}
		return nil
	})
	return httpx.Reply(w, http.StatusCreated, ticket, err)
}

// storedFile is a proof file row with its achievement and object key.
type storedFile struct {
	buildportfolioapi.File
	achievement uuid.UUID
	key         string
	uploader    string
}

func loadFile(q querier, r *http.Request, id uuid.UUID, lock bool) (*storedFile, error) {
	sql := `SELECT f.achievement_id, ` + fileColumns + `, f.object_key, f.owner_subject FROM portfolio.files f WHERE f.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	var sf storedFile
	var sum []byte
	err := q.QueryRow(r.Context(), sql, id).Scan(&sf.achievement, &sf.ID, &sf.Name, &sf.ContentType, &sf.Size, &sum, &sf.State,
		&sf.Refusal, &sf.ConfirmedAt, &sf.key, &sf.uploader)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if sum != nil {
		sf.SHA256 = fmt.Sprintf("%x", sum)
	}
	return &sf, err
}

// confirmFile: POST /api/build-portfolio/files/{id}/confirm — the uploader
// says the upload finished. The bytes are read once: the SHA-256 recorded,
// the content sniffed and, with CLAMD_ADDRESS, scanned. A file whose content
// is not of its declared type, or in which clamd finds malware, is deleted
// and refused (422, the refusal kept on the file); a scanner that cannot be
// asked answers 503 and leaves the file to be confirmed again.
func (f *Function) confirmFile(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var out buildportfolioapi.File
	var refusal error
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		sf, err := loadFile(tx, r, id, true)
		if err != nil {
			return err
		}
		if sf == nil || sf.uploader != callerSubject(ctx) {
			return notYours(theFile)
		}
		if _, _, err := f.claimed(ctx, tx, sf.achievement); err != nil {
			return notYours(theFile)
		}
		if sf.State != "uploading" { // confirmed before: the same answer
			out = sf.File
			return nil
		}
		found, err := f.store.Inspect(ctx, sf.key, f.scanner)
		switch {
		case errs.Is(err, errs.NotFound):
			return unprocessable("файл ещё не загружен", field("file", buildportfolioapi.ReasonFileMissing, "загрузите файл по выданной ссылке, затем подтвердите"))
		case errors.Is(err, storage.ErrScannerDown):
			return errs.User(errs.Unavailable, "проверка файлов на вирусы временно недоступна: подтвердите загрузку чуть позже — файл сохранён")
		case err != nil:
			return err
		}
		if v := found.Judge(sf.Size, sf.ContentType); v.Refused {
			why, reason := v.Why, buildportfolioapi.ReasonFileContent
			if v.Infected {
				reason = buildportfolioapi.ReasonFileInfected
			}
			if err := f.store.Delete(ctx, sf.key); err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE portfolio.files SET state = 'refused', refusal = $2, confirmed_at = clock_timestamp() WHERE id = $1`, id, why); err != nil {
				return err
			}
			refusal = unprocessable("файл отклонён: "+why, field("file", reason, why))
			return nil
		}
		if err := tx.QueryRow(ctx, `UPDATE portfolio.files SET state = 'clean', sha256 = $2, confirmed_at = clock_timestamp() WHERE id = $1
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

// download: GET /api/build-portfolio/files/{id} — a short-lived link to a
// checked proof file, for whoever reads its achievement (the decider too).
func (f *Function) download(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	sf, err := loadFile(f.db, r, id, false)
	if err != nil {
		return err
	}
	if sf == nil {
		return notYours(theFile)
	}
	a, err := loadAchievement(ctx, f.db, sf.achievement, false)
	if err != nil {
		return err
	}
	at, err := placementOf(ctx, f.db, a.OwnerID, today(f.Time()))
	if err != nil {
		return err
	}
	if err := require(ctx, PermRead, reader(a, at), theFile); err != nil {
		return err
	}
	if sf.State != "clean" {
		return unprocessable("файл недоступен: "+cmpOr(sf.Refusal, "он ещё не загружен"), field("file", buildportfolioapi.ReasonFileMissing, "файл недоступен"))
	}
	url, err := f.store.PresignDownload(ctx, sf.key, sf.Name)
	if err != nil {
		return err
	}
	return httpx.Reply(w, http.StatusOK, buildportfolioapi.Download{URL: url}, nil)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
