package collectreport

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
	"github.com/kuzbass/eko/functions/collect-report/form"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// maxDefinition bounds a definition's JSON (ОО-1 whole is some 3,000 cells).
const maxDefinition = 2 << 20

// compiled reads a definition from the body and compiles it: a 422 with
// every error by its JSON path when it does not.
func compiled(w http.ResponseWriter, r *http.Request) (*form.Form, error) {
	var def collectreportapi.Definition
	if err := httpx.DecodeJSON(w, r, &def, maxDefinition); err != nil {
		return nil, err
	}
	f, fe := form.Compile(def)
	if len(fe) > 0 {
		return nil, &errs.Error{Code: errs.Unprocessable, ForUser: true, Detail: "форма не принята: " + strconv.Itoa(len(fe)) + " ошибок", Fields: fe}
	}
	return f, nil
}

func previewOf(f *form.Form) collectreportapi.Preview {
	p := collectreportapi.Preview{Code: f.Def.Code, Title: f.Def.Title, Rules: len(f.Def.Rules), Cells: make([]string, 0, len(f.Cells))}
	for _, c := range f.Cells {
		p.Cells = append(p.Cells, c.Name)
	}
	return p
}

// preview: POST /api/collect-report/definitions/preview — checks a
// definition without storing it: its cells and rules, or every error.
func (f *Function) preview(w http.ResponseWriter, r *http.Request) error {
	fm, err := compiled(w, r)
	if err != nil {
		return err
	}
	return httpx.Reply(w, http.StatusOK, previewOf(fm), nil)
}

// define: POST /api/collect-report/definitions — stores a definition that
// compiles as its code's next version (201), immutable from then on.
func (f *Function) define(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fm, err := compiled(w, r)
	if err != nil {
		return err
	}
	body, err := json.Marshal(fm.Def)
	if err != nil {
		return err
	}
	by := ""
	if pr := auth.PrincipalFrom(ctx); pr != nil {
		by = pr.Subject
	}
	var v collectreportapi.Version
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		// One version at a time per code: the lock is the code's.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('reports.definitions:' || $1))`, fm.Def.Code); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO reports.definitions (code, version, title, definition, cells, created_at, created_by)
			SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, clock_timestamp(), $5 FROM reports.definitions WHERE code = $1
			RETURNING code, version, title, definition, cells, created_at, created_by`,
			fm.Def.Code, fm.Def.Title, body, len(fm.Cells), by).Scan(&v.Code, &v.Version, &v.Title, &v.Definition, &v.Cells, &v.CreatedAt, &v.CreatedBy)
	})
	return httpx.Reply(w, http.StatusCreated, v, err)
}

const versionColumns = `code, version, title, definition, cells, created_at, created_by`

func scanVersion(row pgx.CollectableRow) (collectreportapi.Version, error) {
	var v collectreportapi.Version
	err := row.Scan(&v.Code, &v.Version, &v.Title, &v.Definition, &v.Cells, &v.CreatedAt, &v.CreatedBy)
	return v, err
}

// definitions: GET /api/collect-report/definitions — each form's latest version.
func (f *Function) definitions(w http.ResponseWriter, r *http.Request) error {
	rows, err := f.db.Query(r.Context(), `SELECT DISTINCT ON (code) `+versionColumns+` FROM reports.definitions ORDER BY code, version DESC`)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, scanVersion)
	if list == nil {
		list = []collectreportapi.Version{}
	}
	return httpx.Reply(w, http.StatusOK, list, err)
}

// definition: GET /api/collect-report/definitions/{code}/versions/{version}.
func (f *Function) definition(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		return errs.User(errs.NotFound, "версия формы не найдена")
	}
	rows, err := f.db.Query(r.Context(), `SELECT `+versionColumns+` FROM reports.definitions WHERE code = $1 AND version = $2`, r.PathValue("code"), n)
	if err != nil {
		return err
	}
	v, err := pgx.CollectExactlyOneRow(rows, scanVersion)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.User(errs.NotFound, "версия формы не найдена")
	}
	return httpx.Reply(w, http.StatusOK, v, err)
}
