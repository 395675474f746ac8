package registry

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

const orgColumns = `id, coalesce(code, ''), kind, full_name, short_name, inn, ogrn, address, municipality_id, status,
	phone, email, website, licence_number, coalesce(to_char(licence_date, 'YYYY-MM-DD'), ''), licence_issuer`

func scanOrganisation(row pgx.Row) (registryapi.Organisation, error) {
	var o registryapi.Organisation
	var l registryapi.Licence
	err := row.Scan(&o.ID, &o.Code, &o.Kind, &o.FullName, &o.ShortName, &o.INN, &o.OGRN, &o.Address, &o.MunicipalityID, &o.Status,
		&o.Phone, &o.Email, &o.Website, &l.Number, &l.Date, &l.Issuer)
	if l.Number != "" {
		o.Licence = &l
	}
	return o, err
}

func (f *Function) organisation(ctx context.Context, q querier, id uuid.UUID) (registryapi.Organisation, error) {
	o, err := scanOrganisation(q.QueryRow(ctx, `SELECT `+orgColumns+` FROM registry.organisations WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return o, errs.E(errs.NotFound, "organisation %s not found", id)
	}
	return o, err
}

// listMunicipalities: GET /api/registry/municipalities
func (f *Function) listMunicipalities(w http.ResponseWriter, r *http.Request) error {
	list, err := db.Collect[registryapi.Municipality](r.Context(), f.db, `SELECT id, code, name, oktmo FROM registry.municipalities ORDER BY name`)
	return httpx.Reply(w, http.StatusOK, httpx.PageOf(list, ""), err)
}

// listOrganisations: GET /api/registry/organisations?municipality=&kind=&q=&limit=&after=
// The list of organisations is public information of the region; any signed-in user may read it.
func (f *Function) listOrganisations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := limitParam(q.Get("limit"))
	if err != nil {
		return err
	}
	sql := `SELECT ` + orgColumns + ` FROM registry.organisations WHERE true`
	var args []any
	if m := q.Get("municipality"); m != "" {
		id, err := uuidParam("municipality", m)
		if err != nil {
			return err
		}
		args = append(args, id)
		sql += ` AND municipality_id = $` + itoa(len(args))
	}
	if k := q.Get("kind"); k != "" {
		if !slices.Contains(registryapi.OrganisationKinds, k) {
			return errs.Fields("неверный фильтр", errs.FieldError{Field: "kind", Code: errs.Enum, Message: "одно из: " + strings.Join(registryapi.OrganisationKinds, ", ")})
		}
		args = append(args, k)
		sql += ` AND kind = $` + itoa(len(args))
	}
	if s := strings.TrimSpace(q.Get("q")); s != "" {
		if len([]rune(s)) > 100 {
			return errs.Fields("неверный фильтр", errs.FieldError{Field: "q", Code: errs.Length, Message: "не длиннее 100 символов"})
		}
		args = append(args, "%"+likeEscape(foldName(s))+"%")
		sql += ` AND (registry.fold_name(short_name) LIKE $` + itoa(len(args)) + ` OR registry.fold_name(full_name) LIKE $` + itoa(len(args)) + ` OR inn = $` + itoa(len(args)+1) + `)`
		args = append(args, s)
	}
	if a := q.Get("after"); a != "" {
		id, err := uuidParam("after", a)
		if err != nil {
			return err
		}
		args = append(args, id)
		sql += ` AND id > $` + itoa(len(args))
	}
	args = append(args, limit)
	sql += ` ORDER BY id LIMIT $` + itoa(len(args))
	rows, err := f.db.Query(r.Context(), sql, args...)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (registryapi.Organisation, error) { return scanOrganisation(row) })
	if err != nil {
		return err
	}
	next := ""
	if len(list) == limit {
		next = list[len(list)-1].ID.String()
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.PageOf(list, next))
	return nil
}

// getOrganisation: GET /api/registry/organisations/{id}
func (f *Function) getOrganisation(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	o, err := f.organisation(r.Context(), f.db, id)
	return httpx.Reply(w, http.StatusOK, o, err)
}
