package submitapplication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// historyPerKindergarten bounds the history returned per kindergarten (newest first).
const historyPerKindergarten = 100

// QueueView is a kindergarten application's place in the queue, explained:
// what GET …/applications/{id}/queue returns, and what the privilege, choice
// and direction routes answer with.
type QueueView struct {
	ApplicationID uuid.UUID `json:"application_id"`
	Number        string    `json:"number"`
	Status        Status    `json:"status"`
	StatusTitle   string    `json:"status_title"`
	// InQueue: the application is registered and stands in the queues below.
	InQueue bool `json:"in_queue"`
	// Note says why an application is not in the queue, or what it waits for.
	Note           string `json:"note,omitempty"`
	DesiredStart   string `json:"desired_start"`
	GroupType      string `json:"group_type"`
	GroupTypeTitle string `json:"group_type_title"`
	// AgeBand is the child's full years of age on 1 September of the year of
	// the desired start: the age group whose queue the application stands in.
	AgeBand      int    `json:"age_band"`
	AgeBandTitle string `json:"age_band_title"`
	// Privilege is the privilege that counts: the best confirmed one, or none.
	Privilege         *PrivilegeView    `json:"privilege"`
	ClaimedPrivileges []PrivilegeView   `json:"claimed_privileges"`
	Kindergartens     []QueuePlace      `json:"kindergartens"`
	Direction         *DirectionView    `json:"direction,omitempty"`
	ChoiceChanges     []ChoiceChangeLog `json:"choice_changes,omitempty"`
}

// PrivilegeView is a claimed privilege and whether it counts.
type PrivilegeView struct {
	Kind      string `json:"kind"`
	Title     string `json:"title"`
	Confirmed bool   `json:"confirmed"`
}

// QueuePlace is the application's place in one kindergarten's queue.
type QueuePlace struct {
	KindergartenID uuid.UUID `json:"kindergarten_id"`
	// Preference is the kindergarten's place in the parent's choice (1..5);
	// 0 for a kindergarten no longer chosen, shown for its history.
	Preference int `json:"preference"`
	AgeBand    int `json:"age_band"`
	// Position is 1-based; absent when the application is not in this queue.
	Position *int `json:"position,omitempty"`
	// QueueLength is how many applications stand in this queue (kindergarten, age band).
	QueueLength int `json:"queue_length"`
	// AheadWithPrivilege and AheadEarlier split the applications ahead: those
	// with a more significant confirmed privilege, and those with the same
	// (or none) received earlier.
	AheadWithPrivilege *int                `json:"ahead_with_privilege,omitempty"`
	AheadEarlier       *int                `json:"ahead_earlier,omitempty"`
	Explanation        string              `json:"explanation"`
	History            []QueueHistoryEntry `json:"history"`
	HistoryTruncated   bool                `json:"history_truncated,omitempty"`
}

// QueueHistoryEntry is one change of the application's position, newest first.
type QueueHistoryEntry struct {
	ChangedAt    time.Time `json:"changed_at"`
	AgeBand      int       `json:"age_band"`
	FromAgeBand  *int      `json:"from_age_band,omitempty"`
	FromPosition *int      `json:"from_position,omitempty"`
	ToPosition   *int      `json:"to_position,omitempty"`
	Cause        string    `json:"cause"`
	Privilege    string    `json:"privilege,omitempty"`
	Explanation  string    `json:"explanation"`
}

// DirectionView is the application's latest direction.
type DirectionView struct {
	KindergartenID uuid.UUID  `json:"kindergarten_id"`
	AgeBand        int        `json:"age_band"`
	GroupType      string     `json:"group_type"`
	AllocationID   *uuid.UUID `json:"allocation_id,omitempty"`
	IssuedAt       time.Time  `json:"issued_at"`
	RespondBy      time.Time  `json:"respond_by"`
	State          string     `json:"state"` // issued, accepted, declined, expired, enrolled, withdrawn
	AnsweredAt     *time.Time `json:"answered_at,omitempty"`
}

// ChoiceChangeLog is one change of kindergartens, desired start or group type.
type ChoiceChangeLog struct {
	ChangedAt time.Time       `json:"changed_at"`
	ActorRole string          `json:"actor_role"`
	Previous  json.RawMessage `json:"previous"`
	Current   json.RawMessage `json:"current"`
}

// queueView: GET /api/submit-application/applications/{id}/queue — for the
// parent (own), staff of an addressed kindergarten, the municipality and the
// ministry; 404 for anyone else and for applications that are not for a
// kindergarten. The read is audited like reading the application.
func (f *Function) queueView(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := uuidParam("id", r.PathValue("id"))
	if err != nil {
		return err
	}
	var view *QueueView
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		a, err := f.load(ctx, tx, `a.id = $1`, id)
		if err != nil {
			return err
		}
		if a == nil {
			return errs.User(errs.NotFound, "заявление не найдено")
		}
		role := visibleRole(ctx, a, Rules[PermQueueRead])
		if role == "" {
			return errs.User(errs.NotFound, "заявление не найдено")
		}
		if a.Service != Kindergarten {
			return errs.User(errs.NotFound, "очередь есть только у заявлений в детский сад")
		}
		if view, err = buildQueueView(ctx, tx, a); err != nil {
			return err
		}
		return f.audit(r, tx, []*Application{a}, func(*Application) string { return role })
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, view)
	return nil
}

// buildQueueView reads a's queue places, history, direction and choice changes.
func buildQueueView(ctx context.Context, q querier, a *Application) (*QueueView, error) {
	var kg storedKindergarten
	if err := json.Unmarshal(a.Data, &kg); err != nil {
		return nil, fmt.Errorf("queue view of %s: data: %w", a.ID, err)
	}
	v := &QueueView{ApplicationID: a.ID, Number: a.Number, Status: a.Status, StatusTitle: a.StatusTitle, InQueue: a.Status == Registered,
		DesiredStart: kg.DesiredStart, GroupType: kg.GroupType, GroupTypeTitle: GroupTypeTitles[kg.GroupType],
		ClaimedPrivileges: []PrivilegeView{}, Kindergartens: []QueuePlace{}}
	var band int16
	var counting *string
	if err := q.QueryRow(ctx, `SELECT applications.kindergarten_age_band(child_birth_date, (data->>'desired_start')::date),
		applications.kindergarten_privilege(data) FROM applications.applications WHERE id = $1`, a.ID).Scan(&band, &counting); err != nil {
		return nil, fmt.Errorf("queue view of %s: %w", a.ID, err)
	}
	v.AgeBand, v.AgeBandTitle = int(band), bandTitle(band)
	for _, p := range kg.Privileges {
		pv := PrivilegeView{Kind: p.Kind, Title: PrivilegeTitles[p.Kind], Confirmed: p.Confirmed}
		v.ClaimedPrivileges = append(v.ClaimedPrivileges, pv)
		if counting != nil && p.Kind == *counting {
			v.Privilege = &pv
		}
	}

	// Places in the current queues (with the split of those ahead), and the
	// length of each chosen kindergarten's queue in the application's band.
	rows, err := q.Query(ctx, `
		SELECT k.kindergarten_id, k.preference::int, coalesce(p.age_band, $3)::int, p.position,
		       (SELECT count(*) FROM applications.queue_positions o WHERE o.kindergarten_id = k.kindergarten_id AND o.age_band = coalesce(p.age_band, $3))::int,
		       (SELECT count(*) FROM applications.queue_positions o WHERE o.kindergarten_id = k.kindergarten_id AND o.age_band = p.age_band
		            AND o.privilege_rank < p.privilege_rank)::int
		FROM unnest($2::uuid[]) WITH ORDINALITY AS k(kindergarten_id, preference)
		LEFT JOIN applications.queue_positions p ON p.application_id = $1 AND p.kindergarten_id = k.kindergarten_id
		ORDER BY k.preference`, a.ID, uuidArray(kg.Preferences), band)
	if err != nil {
		return nil, fmt.Errorf("queue view of %s: places: %w", a.ID, err)
	}
	for rows.Next() {
		var p QueuePlace
		var privileged int
		if err := rows.Scan(&p.KindergartenID, &p.Preference, &p.AgeBand, &p.Position, &p.QueueLength, &privileged); err != nil {
			rows.Close()
			return nil, err
		}
		p.History = []QueueHistoryEntry{}
		if p.Position != nil {
			earlier := *p.Position - 1 - privileged
			p.AheadWithPrivilege, p.AheadEarlier = &privileged, &earlier
		}
		p.Explanation = placeExplanation(p, v)
		v.Kindergartens = append(v.Kindergartens, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue view of %s: places: %w", a.ID, err)
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
		i := slices.IndexFunc(v.Kindergartens, func(p QueuePlace) bool { return p.KindergartenID == h.key.kindergarten })
		if i < 0 {
			v.Kindergartens = append(v.Kindergartens, QueuePlace{KindergartenID: h.key.kindergarten, AgeBand: int(h.key.band),
				Explanation: "Этот детский сад больше не выбран; ниже — история места в его очереди.", History: []QueueHistoryEntry{}})
			i = len(v.Kindergartens) - 1
		}
		if n > historyPerKindergarten {
			v.Kindergartens[i].HistoryTruncated = true
			continue
		}
		e := QueueHistoryEntry{ChangedAt: h.changedAt, AgeBand: int(h.key.band), FromPosition: intPtr(h.from), ToPosition: intPtr(h.to),
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

	var d DirectionView
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
	v.ChoiceChanges, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ChoiceChangeLog, error) {
		var c ChoiceChangeLog
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
func placeExplanation(p QueuePlace, v *QueueView) string {
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
		if v.Privilege != nil {
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
func queueNote(v *QueueView) string {
	switch v.Status {
	case Registered:
		if v.Privilege == nil {
			for _, p := range v.ClaimedPrivileges {
				if !p.Confirmed {
					return "Заявленная льгота учитывается только после подтверждения документов детским садом или управлением образования."
				}
			}
		}
		return ""
	case Submitted, Checking, DocumentsRequested:
		return "Заявление ещё не поставлено на учёт: место в очереди появится после регистрации."
	case Directed:
		if d := v.Direction; d != nil && d.State == "issued" {
			return "Выдано направление в детский сад; ответьте на него до " + d.RespondBy.In(kemerovo).Add(-time.Second).Format("02.01.2006") + " включительно."
		}
		return "Выдано направление в детский сад; ожидается зачисление."
	case DirectionDeclined, DirectionExpired:
		return "Заявление не стоит в очереди: " + lowerFirst(v.StatusTitle) + ". Вернуть его в очередь может детский сад или управление образования."
	}
	return "Заявление не стоит в очереди: " + lowerFirst(v.StatusTitle) + "."
}
