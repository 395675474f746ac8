package submitapplication

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// listWindows: GET /api/submit-application/windows?year=&municipality= — the
// first-grade windows as data, public (families check when admission opens).
// With municipality, the windows that apply there: its own and the region's
// defaults it has no row of its own for.
func (f *Function) listWindows(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fe []errs.FieldError
	year := httpx.QueryYear(q, 0, &fe) // 0: every year
	mun := httpx.QueryID(q, "municipality", &fe)
	if len(fe) > 0 {
		return errs.Fields("неверные параметры запроса", fe...)
	}
	list, err := f.windows.load(r.Context())
	if err != nil {
		return err
	}
	if mun != nil {
		list = effective(list, *mun)
	}
	out := []submitapplicationapi.WindowView{}
	for _, win := range list {
		if year == 0 || win.academicYear == year {
			out = append(out, win.view())
		}
	}
	slices.SortFunc(out, func(a, b submitapplicationapi.WindowView) int {
		if a.AcademicYear != b.AcademicYear {
			return a.AcademicYear - b.AcademicYear
		}
		if a.WindowNo != b.WindowNo {
			return a.WindowNo - b.WindowNo
		}
		return a.OpensAt.Compare(b.OpensAt)
	})
	httpx.WriteJSON(w, http.StatusOK, submitapplicationapi.Page[submitapplicationapi.WindowView]{Items: out})
	return nil
}

func (win window) view() submitapplicationapi.WindowView {
	return submitapplicationapi.WindowView{ID: win.id, AcademicYear: win.academicYear, MunicipalityID: win.municipality,
		WindowNo: win.no, OpensAt: win.opens, ClosesAt: win.closes}
}

// putWindow: PUT /api/submit-application/windows — sets one window (creates or
// moves it). The ministry sets the region-wide defaults and any municipality's
// windows; a municipal education authority only its own. Window 2 (everyone)
// must open after window 1 (assigned territory and priority categories) of the
// same year and place. Applications already received stay valid; new ones are
// checked against the new dates at once in this instance and within the window
// cache's lifetime elsewhere — the insert itself always checks the database.
func (f *Function) putWindow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.WindowRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	var fe []errs.FieldError
	this := f.Time().Year()
	if in.AcademicYear < this || in.AcademicYear > this+2 {
		fe = append(fe, field("academic_year", errs.Range, "год приёма — текущий или один из двух следующих"))
	}
	if in.WindowNo != 1 && in.WindowNo != 2 {
		fe = append(fe, field("window_no", errs.Enum, "1 — закреплённая территория и льготы, 2 — все остальные"))
	}
	opens, err1 := time.Parse(time.RFC3339, in.OpensAt)
	closes, err2 := time.Parse(time.RFC3339, in.ClosesAt)
	switch {
	case err1 != nil:
		fe = append(fe, field("opens_at", errs.Format, "дата и время в формате RFC 3339, например 2027-03-31T09:00:00+07:00"))
	case err2 != nil:
		fe = append(fe, field("closes_at", errs.Format, "дата и время в формате RFC 3339"))
	case !closes.After(opens):
		fe = append(fe, field("closes_at", errs.Range, "окно закрывается позже, чем открывается"))
	case opens.Year() > in.AcademicYear || closes.After(time.Date(in.AcademicYear, time.September, 1, 0, 0, 0, 0, kemerovo)):
		fe = append(fe, field("opens_at", errs.Range, "приём в 1 класс идёт до 1 сентября года приёма"))
	}
	var mun *uuid.UUID
	if in.MunicipalityID != nil {
		id, err := uuid.Parse(*in.MunicipalityID)
		if err != nil {
			fe = append(fe, field("municipality_id", errs.Format, "идентификатор в формате UUID"))
		}
		mun = &id
	}
	if len(fe) > 0 {
		return errs.Fields("неверное окно приёма", fe...)
	}
	if !mayManageWindows(ctx, mun) {
		if mun == nil {
			return errs.User(errs.Forbidden, "окна приёма для всего региона устанавливает министерство")
		}
		return errs.User(errs.NotFound, "муниципалитет не найден среди ваших")
	}
	var out submitapplicationapi.WindowView
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		// One writer per (year, place) at a time, so the order check below holds.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('applications.windows'), $1)`, int32(in.AcademicYear)); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO applications.enrollment_windows (id, academic_year, municipality_id, window_no, opens_at, closes_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (service, academic_year, coalesce(municipality_id, '00000000-0000-0000-0000-000000000000'::uuid), window_no)
			DO UPDATE SET opens_at = EXCLUDED.opens_at, closes_at = EXCLUDED.closes_at
			RETURNING id, academic_year, municipality_id, window_no, opens_at, closes_at`,
			uuid.New(), int32(in.AcademicYear), mun, int16(in.WindowNo), opens, closes).
			Scan(&out.ID, &out.AcademicYear, &out.MunicipalityID, &out.WindowNo, &out.OpensAt, &out.ClosesAt)
		if err != nil {
			return err
		}
		var w1, w2 *time.Time
		err = tx.QueryRow(ctx, `SELECT max(opens_at) FILTER (WHERE window_no = 1), max(opens_at) FILTER (WHERE window_no = 2)
			FROM applications.enrollment_windows
			WHERE service = 'first_grade' AND academic_year = $1 AND municipality_id IS NOT DISTINCT FROM $2`,
			int32(in.AcademicYear), mun).Scan(&w1, &w2)
		if err != nil {
			return err
		}
		if w1 != nil && w2 != nil && !w2.After(*w1) {
			return unprocessable("второе окно открывается раньше первого",
				field("opens_at", submitapplicationapi.ReasonOrder, "приём для всех (окно 2) открывается позже приёма по закреплённой территории и льготам (окно 1): окно 1 — "+
					w1.In(kemerovo).Format("02.01.2006 15:04")+", окно 2 — "+w2.In(kemerovo).Format("02.01.2006 15:04")))
		}
		return nil
	})
	if err != nil {
		return err
	}
	f.windows.invalidate()
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// mayManageWindows reports whether the caller of ctx may set the windows of
// mun (nil: the region-wide defaults).
func mayManageWindows(ctx context.Context, mun *uuid.UUID) bool {
	t := access.WholeRegion
	if mun != nil {
		t = access.Target{MunicipalityIDs: []string{mun.String()}}
	}
	return Rules.Reaches(ctx, PermWindowsManage, t)
}
