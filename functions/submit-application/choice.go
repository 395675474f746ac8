package submitapplication

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
)

// kindergartenChoice is the part of a kindergarten application the parent may change.
type kindergartenChoice struct {
	Preferences  []uuid.UUID `json:"preferences"`
	DesiredStart string      `json:"desired_start"`
	GroupType    string      `json:"group_type"`
}

// changeChoice: PATCH /api/submit-application/applications/{id}/kindergarten {preferences, desired_start, group_type}
//
// The parent (own application only; 404 otherwise) changes the kindergartens,
// the desired start or the group type of an active kindergarten application
// that has no direction. The choice passes the same checks as a submission
// (400 for its shape, 422 for kindergartens, dates and age), and the
// kindergartens must be of the application's municipality, whose queue it
// stands in. The receipt time does not change, so the application keeps its
// order by date in every queue. The change is recorded
// (applications.kindergarten_choice_changes) and a registered application's
// queues are recalculated in the same transaction, each moved position with
// its cause. The answer is the queue view.
func (f *Function) changeChoice(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.ChoiceRequest
	id, err := actionOn(w, r, &in, 8<<10)
	if err != nil {
		return err
	}
	it := &intake{}
	if fe := checkBlocks(it, string(submitapplicationapi.Kindergarten), nil, &submitapplicationapi.KindergartenData{Preferences: in.Preferences, DesiredStart: in.DesiredStart,
		GroupType: in.GroupType}, nil); len(fe) > 0 {
		return errs.Fields("выбор детских садов заполнен с ошибками", choiceFields(fe)...)
	}
	a, err := f.load(ctx, f.db, `a.id = $1`, id)
	if err != nil {
		return err
	}
	if a == nil {
		return errNoApplication
	}
	if err := Rules.RequireOr(ctx, PermKindergartenChoice, a.target(), errNoApplication); err != nil {
		return err
	}
	if a.Service != submitapplicationapi.Kindergarten {
		return unprocessable("детские сады выбирают только в заявлении в детский сад", field("preferences", submitapplicationapi.ReasonService, "заявление подано не в детский сад"))
	}
	if it.birth, err = time.Parse(time.DateOnly, a.ChildBirthDate); err != nil {
		return fmt.Errorf("choice of %s: birth date %q: %w", a.ID, a.ChildBirthDate, err)
	}
	if err := f.checkKindergarten(ctx, it, f.Time()); err != nil {
		if e, ok := errs.As(err); ok {
			e.Fields = choiceFields(e.Fields)
		}
		return err
	}
	if it.municipality != a.MunicipalityID {
		return unprocessable("детские сады другого муниципалитета",
			field("preferences[0]", submitapplicationapi.ReasonMunicipality, "заявление стоит в очереди своего муниципалитета; чтобы встать в очередь другого, подайте новое заявление"))
	}
	next := kindergartenChoice{Preferences: it.kg.Preferences, DesiredStart: it.kg.DesiredStart, GroupType: it.kg.GroupType}

	return f.changeQueued(w, ctx, id, func(tx pgx.Tx, a *application) (*application, error) {
		if !isActive(a.Status) || a.Status == submitapplicationapi.Directed {
			return nil, &errs.Error{Code: errs.Conflict, ForUser: true,
				Detail: fmt.Sprintf("заявление в статусе «%s»: изменить выбор детских садов нельзя", a.StatusTitle),
				Extra:  map[string]any{submitapplicationapi.MemberCurrentStatus: string(a.Status)}}
		}
		var prev kindergartenChoice
		if err := json.Unmarshal(a.Data, &prev); err != nil {
			return nil, fmt.Errorf("choice of %s: data: %w", a.ID, err)
		}
		if slices.Equal(prev.Preferences, next.Preferences) && prev.DesiredStart == next.DesiredStart && prev.GroupType == next.GroupType {
			return a, nil
		}
		if _, err := tx.Exec(ctx, `UPDATE applications.applications
			SET data = data || jsonb_build_object('preferences', $2::jsonb, 'desired_start', $3::text, 'group_type', $4::text),
			    organisation_ids = $5::uuid[], target_organisation_id = $6, updated_at = clock_timestamp()
			WHERE id = $1`, a.ID, mustJSON(next.Preferences), next.DesiredStart, next.GroupType, uuidArray(next.Preferences), next.Preferences[0]); err != nil {
			return nil, fmt.Errorf("choice of %s: %w", a.ID, err)
		}
		who := requestActor(ctx, string(access.Parent))
		if _, err := tx.Exec(ctx, `INSERT INTO applications.kindergarten_choice_changes (application_id, previous, current, actor_subject, actor_role, changed_at)
			VALUES ($1, $2::jsonb, $3::jsonb, $4, $5, clock_timestamp())`, a.ID, mustJSON(prev), mustJSON(next), who.subject, who.role); err != nil {
			return nil, fmt.Errorf("choice of %s: record: %w", a.ID, err)
		}
		if a.Status == submitapplicationapi.Registered {
			if err := requeue(ctx, tx, map[uuid.UUID]queueChange{a.ID: {kind: changeChoice}}, time.Time{}); err != nil {
				return nil, err
			}
		}
		return f.load(ctx, tx, `a.id = $1`, id)
	})
}

// choiceFields names the submission's field errors as this request's fields
// (kindergarten.preferences[1] → preferences[1]).
func choiceFields(fe []errs.FieldError) []errs.FieldError {
	out := make([]errs.FieldError, len(fe))
	for i, e := range fe {
		e.Field = strings.TrimPrefix(e.Field, "kindergarten.")
		out[i] = e
	}
	return out
}

// mustJSON is v as JSON text; v is a plain struct of strings and ids.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
