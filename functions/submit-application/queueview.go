package submitapplication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// historyPerKindergarten bounds the history returned per kindergarten (newest first).
const historyPerKindergarten = 100

// queueView: GET /api/submit-application/applications/{id}/queue — for the
// parent (own), staff of an addressed kindergarten, the municipality and the
// ministry; 404 for anyone else and for applications that are not for a
// kindergarten. The read is audited like reading the application.
func (f *Function) queueView(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var view *submitapplicationapi.QueueView
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		a, err := f.readOne(r, tx, id, PermQueueRead)
		if err != nil {
			return err
		}
		if a.Service != submitapplicationapi.Kindergarten {
			return errs.User(errs.NotFound, "очередь есть только у заявлений в детский сад")
		}
		view, err = f.buildQueueView(ctx, tx, a)
		return err
	})
	return httpx.Reply(w, http.StatusOK, view, err)
}

// changeQueued changes the application id in one transaction — change gets
// it locked (nil if there is none) and returns it as it stands after the
// change — and answers its queue view as that transaction sees it.
func (f *Function) changeQueued(w http.ResponseWriter, ctx context.Context, id uuid.UUID, change func(tx pgx.Tx, a *application) (*application, error)) error {
	var view *submitapplicationapi.QueueView
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		a, err := f.load(ctx, tx, `a.id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		if a, err = change(tx, a); err != nil {
			return err
		}
		view, err = f.buildQueueView(ctx, tx, a)
		return err
	})
	return httpx.Reply(w, http.StatusOK, view, err)
}

// buildQueueView reads a's queue places (with the privilege that counts in
// each and why), history, direction and choice changes.
func (f *Function) buildQueueView(ctx context.Context, q querier, a *application) (*submitapplicationapi.QueueView, error) {
	var kg storedKindergarten
	if err := json.Unmarshal(a.Data, &kg); err != nil {
		return nil, fmt.Errorf("queue view of %s: data: %w", a.ID, err)
	}
	v := &submitapplicationapi.QueueView{ApplicationID: a.ID, Number: a.Number, Status: a.Status, StatusTitle: a.StatusTitle, InQueue: a.Status == submitapplicationapi.Registered,
		DesiredStart: kg.DesiredStart, GroupType: kg.GroupType, GroupTypeTitle: GroupTypeTitles[kg.GroupType],
		ClaimedPrivileges: []submitapplicationapi.PrivilegeView{}, Kindergartens: []submitapplicationapi.QueuePlace{}}
	var band int16
	var general *string
	if err := q.QueryRow(ctx, `SELECT applications.kindergarten_age_band(child_birth_date, (data->>'desired_start')::date),
		applications.kindergarten_general_privilege(data) FROM applications.applications WHERE id = $1`, a.ID).Scan(&band, &general); err != nil {
		return nil, fmt.Errorf("queue view of %s: %w", a.ID, err)
	}
	v.AgeBand, v.AgeBandTitle = int(band), bandTitle(band)
	var siblingClaim *storedPrivilege
	for i, p := range kg.Privileges {
		pv := submitapplicationapi.PrivilegeView{Kind: p.Kind, Title: PrivilegeTitles[p.Kind], Confirmed: p.Confirmed, Kindergartens: p.Kindergartens, Reconsider: p.Reconsider}
		v.ClaimedPrivileges = append(v.ClaimedPrivileges, pv)
		if general != nil && p.Kind == *general {
			v.Privilege = &pv
		}
		if p.Kind == "sibling" {
			siblingClaim = &kg.Privileges[i]
		}
	}

	// Places in the current queues (with the split of those ahead and the
	// privilege that counts there), and the length of each chosen
	// kindergarten's queue in the application's band.
	rows, err := q.Query(ctx, `
		SELECT k.kindergarten_id, k.preference::int, coalesce(p.age_band, $3)::int, p.position,
		       (SELECT count(*) FROM applications.queue_positions o WHERE o.kindergarten_id = k.kindergarten_id AND o.age_band = coalesce(p.age_band, $3))::int,
		       (SELECT count(*) FROM applications.queue_positions o WHERE o.kindergarten_id = k.kindergarten_id AND o.age_band = p.age_band
		            AND o.privilege_rank < p.privilege_rank)::int,
		       p.privilege,
		       CASE WHEN p.privilege = 'sibling' THEN applications.sibling_in($4, k.kindergarten_id, applications.kemerovo_today()) END
		FROM unnest($2::uuid[]) WITH ORDINALITY AS k(kindergarten_id, preference)
		LEFT JOIN applications.queue_positions p ON p.application_id = $1 AND p.kindergarten_id = k.kindergarten_id
		ORDER BY k.preference`, a.ID, uuidArray(kg.Preferences), band, a.ChildID)
	if err != nil {
		return nil, fmt.Errorf("queue view of %s: places: %w", a.ID, err)
	}
	siblings := map[int]uuid.UUID{} // place → the brother or sister the registry shows there
	for rows.Next() {
		var p submitapplicationapi.QueuePlace
		var privileged int
		var privilege *string
		var sib *uuid.UUID
		if err := rows.Scan(&p.KindergartenID, &p.Preference, &p.AgeBand, &p.Position, &p.QueueLength, &privileged, &privilege, &sib); err != nil {
			rows.Close()
			return nil, err
		}
		p.History = []submitapplicationapi.QueueHistoryEntry{}
		if p.Position != nil {
			earlier := *p.Position - 1 - privileged
			p.AheadWithPrivilege, p.AheadEarlier = &privileged, &earlier
		}
		if privilege != nil {
			p.Privilege = &submitapplicationapi.PrivilegeView{Kind: *privilege, Title: PrivilegeTitles[*privilege], Confirmed: true}
			switch {
			case *privilege != "sibling":
				p.PrivilegeBasis = PrivilegeTitles[*privilege] + " подтверждено и учитывается во всех выбранных детских садах."
			case sib != nil:
				siblings[len(v.Kindergartens)] = *sib
			case siblingClaim != nil:
				p.PrivilegeBasis = "Преимущественное право в этом детском саду подтверждено по документу: «" + siblingClaim.Document + "»."
			}
		}
		p.Explanation = placeExplanation(p, v)
		v.Kindergartens = append(v.Kindergartens, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue view of %s: places: %w", a.ID, err)
	}
	for i, sib := range siblings {
		v.Kindergartens[i].PrivilegeBasis = f.siblingBasis(ctx, sib)
	}

	// History, newest first, per kindergarten; kindergartens no longer chosen
	// follow the chosen ones.
	rows, err = q.Query(ctx, `
		SELECT kindergarten_id, age_band, from_band, from_position, to_position, cause, privilege, left_status, changed_at, n
		FROM (SELECT h.*, row_number() OVER (PARTITION BY kindergarten_id ORDER BY id DESC) AS n
		      FROM applications.queue_history h WHERE application_id = $1) x
		WHERE n <= $2 + 1
		ORDER BY kindergarten_id, id DESC`, a.ID, historyPerKindergarten)
	if err != nil {
		return nil, fmt.Errorf("queue view of %s: history: %w", a.ID, err)
	}
	for rows.Next() {
		var h historyRow
		var c string
		var n int
		if err := rows.Scan(&h.key.kindergarten, &h.key.band, &h.fromBand, &h.from, &h.to, &c, &h.privilege, &h.leftStatus, &h.changedAt, &n); err != nil {
			rows.Close()
			return nil, err
		}
		h.cause = cause(c)
		i := slices.IndexFunc(v.Kindergartens, func(p submitapplicationapi.QueuePlace) bool { return p.KindergartenID == h.key.kindergarten })
		if i < 0 {
			v.Kindergartens = append(v.Kindergartens, submitapplicationapi.QueuePlace{KindergartenID: h.key.kindergarten, AgeBand: int(h.key.band),
				Explanation: "Этот детский сад больше не выбран; ниже — история места в его очереди.", History: []submitapplicationapi.QueueHistoryEntry{}})
			i = len(v.Kindergartens) - 1
		}
		if n > historyPerKindergarten {
			v.Kindergartens[i].HistoryTruncated = true
			continue
		}
		e := submitapplicationapi.QueueHistoryEntry{ChangedAt: h.changedAt, AgeBand: int(h.key.band), FromPosition: intPtr(h.from), ToPosition: intPtr(h.to),
			Cause: c, Explanation: h.explain()}
		if h.fromBand != nil {
			b := int(*h.fromBand)
			e.FromAgeBand = &b
		}
		if h.privilege != nil {
			e.Privilege = *h.privilege
		}
		v.Kindergartens[i].History = append(v.Kindergartens[i].History, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue view of %s: history: %w", a.ID, err)
	}

	var d submitapplicationapi.DirectionView
	err = q.QueryRow(ctx, `SELECT kindergarten_id, age_band, group_type, allocation_id, issued_at, respond_by, state, answered_at
		FROM applications.directions WHERE application_id = $1 ORDER BY id DESC LIMIT 1`, a.ID).
		Scan(&d.KindergartenID, &d.AgeBand, &d.GroupType, &d.AllocationID, &d.IssuedAt, &d.RespondBy, &d.State, &d.AnsweredAt)
	switch {
	case err == nil:
		v.Direction = &d
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("queue view of %s: direction: %w", a.ID, err)
	}

	rows, err = q.Query(ctx, `SELECT changed_at, actor_role, previous, current FROM applications.kindergarten_choice_changes
		WHERE application_id = $1 ORDER BY id DESC LIMIT 50`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("queue view of %s: choice changes: %w", a.ID, err)
	}
	v.ChoiceChanges, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (submitapplicationapi.ChoiceChangeLog, error) {
		var c submitapplicationapi.ChoiceChangeLog
		err := row.Scan(&c.ChangedAt, &c.ActorRole, &c.Previous, &c.Current)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("queue view of %s: choice changes: %w", a.ID, err)
	}
	v.Note = queueNote(v)
	return v, nil
}

func intPtr(p *int32) *int {
	if p == nil {
		return nil
	}
	n := int(*p)
	return &n
}

// placeExplanation says, in Russian, where the application stands in p and why.
func placeExplanation(p submitapplicationapi.QueuePlace, v *submitapplicationapi.QueueView) string {
	if p.Position == nil {
		return fmt.Sprintf("Заявление сейчас не стоит в очереди этого детского сада; в очереди возрастной группы «%s» — %s.",
			bandTitle(int16(p.AgeBand)), applicationsText(p.QueueLength))
	}
	s := fmt.Sprintf("%d-е место из %d в очереди возрастной группы «%s» (полных лет на 1 сентября года зачисления).",
		*p.Position, p.QueueLength, bandTitle(int16(p.AgeBand)))
	if *p.Position == 1 {
		return s + " Перед вами никого нет."
	}
	s += " Перед вами " + applicationsText(*p.Position-1) + ":"
	var parts []string
	if *p.AheadWithPrivilege > 0 {
		parts = append(parts, fmt.Sprintf(" %d — с льготой, которая учитывается раньше", *p.AheadWithPrivilege))
	}
	if *p.AheadEarlier > 0 {
		same := "без льготы"
		if p.Privilege != nil {
			same = "с такой же льготой"
		}
		parts = append(parts, fmt.Sprintf(" %d — %s, поданы раньше вашего", *p.AheadEarlier, same))
	}
	for i, part := range parts {
		if i > 0 {
			s += ";"
		}
		s += part
	}
	return s + "."
}

// queueNote says why the application is not in the queue, or what it waits for.
func queueNote(v *submitapplicationapi.QueueView) string {
	switch v.Status {
	case submitapplicationapi.Registered:
		if v.Privilege == nil {
			for _, p := range v.ClaimedPrivileges {
				switch {
				case p.Kind == "sibling" && (p.Reconsider || !p.Confirmed):
					return siblingRightNote + " Если по данным реестра брат или сестра не посещает выбранный детский сад, " +
						"заявленное право проверят по документу детский сад или управление образования."
				case !p.Confirmed:
					return "Заявленная льгота учитывается только после подтверждения документов детским садом или управлением образования."
				}
			}
		}
		return ""
	case submitapplicationapi.Submitted, submitapplicationapi.Checking, submitapplicationapi.DocumentsRequested:
		return "Заявление ещё не поставлено на учёт: место в очереди появится после регистрации."
	case submitapplicationapi.Directed:
		if d := v.Direction; d != nil && d.State == "issued" {
			return "Выдано направление в детский сад; ответьте на него до " + d.RespondBy.In(kemerovo).Add(-time.Second).Format("02.01.2006") + " включительно."
		}
		return "Выдано направление в детский сад; ожидается зачисление."
	case submitapplicationapi.DirectionDeclined, submitapplicationapi.DirectionExpired:
		return "Заявление не стоит в очереди: " + lowerFirst(v.StatusTitle) + ". Вернуть его в очередь может детский сад или управление образования."
	}
	return "Заявление не стоит в очереди: " + lowerFirst(v.StatusTitle) + "."
}

// publicQueue: GET /api/submit-application/kindergarten-queue?number=&birth_date=
// Public: whoever holds a kindergarten application's number and the child's
// birth date learns where it stands in each chosen kindergarten's queue —
// the status, the age group, the positions and the queues' lengths; nothing
// of who, of privileges or of why (those are the family's, in the cabinet).
// A number and a date that do not match are the same 404 as no number.
func (f *Function) publicQueue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	number, birth := strings.TrimSpace(r.URL.Query().Get("number")), r.URL.Query().Get("birth_date")
	var fe []errs.FieldError
	if !numberRe.MatchString(number) || !strings.HasPrefix(number, "ДС-") {
		fe = append(fe, field("number", errs.Format, "номер заявления в детский сад вида ДС-2026-0000123"))
	}
	day, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		fe = append(fe, field("birth_date", errs.Format, "дата рождения ребёнка: ГГГГ-ММ-ДД"))
	}
	if len(fe) > 0 {
		return errs.Fields("проверьте номер заявления и дату рождения", fe...)
	}
	var out submitapplicationapi.PublicQueue
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		a, err := f.load(ctx, tx, `a.number = $1 AND a.service = 'kindergarten' AND a.child_birth_date = $2`, number, day)
		if err != nil {
			return err
		}
		if a == nil {
			return errs.User(errs.NotFound, "заявление с таким номером и датой рождения ребёнка не найдено")
		}
		v, err := f.buildQueueView(ctx, tx, a)
		if err != nil {
			return err
		}
		out = submitapplicationapi.PublicQueue{Number: v.Number, Status: v.Status, StatusTitle: v.StatusTitle, InQueue: v.InQueue,
			DesiredStart: v.DesiredStart, AgeBandTitle: v.AgeBandTitle, Places: []submitapplicationapi.PublicPlace{}}
		for _, p := range v.Kindergartens {
			if p.Preference > 0 {
				out.Places = append(out.Places, submitapplicationapi.PublicPlace{KindergartenID: p.KindergartenID, Preference: p.Preference,
					Position: p.Position, QueueLength: p.QueueLength})
			}
		}
		return nil
	})
	w.Header().Set("Cache-Control", "no-store")
	return httpx.Reply(w, http.StatusOK, out, err)
}
