package submitapplication

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/errs"
)

// decidePrivilege: POST /api/submit-application/applications/{id}/privileges {kind, confirmed, kindergarten_id, comment}
//
// Staff of a kindergarten the application is addressed to, or the municipal
// authority of its municipality, confirm or revoke a privilege the parent
// claimed with its document (422 for one not claimed). A sibling claim is
// decided per kindergarten (the right counts only where the brother or
// sister studies): kindergarten staff for their own kindergarten, the
// municipality for any the application lists. The decision is recorded
// (applications.privilege_decisions) and, for a registered application, its
// queues are recalculated in the same transaction, each moved position
// recorded with its cause. Deciding what is already decided changes nothing.
// The answer is the application's queue view.
func (f *Function) decidePrivilege(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in submitapplicationapi.PrivilegeDecision
	id, err := actionOn(w, r, &in, 8<<10)
	if err != nil {
		return err
	}
	var fe []errs.FieldError
	if !slices.Contains(privilegeKinds, in.Kind) {
		fe = append(fe, field("kind", errs.Enum, "одно из: extraordinary, first_priority, sibling"))
	}
	if in.Confirmed == nil {
		fe = append(fe, field("confirmed", errs.Required, "true — льгота подтверждена документами, false — льгота не учитывается"))
	}
	switch {
	case in.Kind == "sibling" && in.Confirmed != nil && *in.Confirmed && in.KindergartenID == nil:
		fe = append(fe, field("kindergarten_id", errs.Required, "укажите детский сад, который посещает брат или сестра: преимущественное право учитывается только в нём"))
	case in.Kind != "sibling" && in.KindergartenID != nil:
		fe = append(fe, field("kindergarten_id", submitapplicationapi.ReasonUnexpected, "внеочередное и первоочередное право учитываются во всех выбранных детских садах"))
	}
	comment := checkComment("comment", in.Comment, &fe)
	if len(fe) > 0 {
		return errs.Fields("неверное решение по льготе", fe...)
	}

	return f.changeQueued(w, ctx, id, func(tx pgx.Tx, a *application) (*application, error) {
		if a == nil {
			return nil, errNoApplication
		}
		gr, err := Rules.Grant(ctx, PermPrivilegeDecide, a.target())
		if err != nil {
			if err := Rules.RequireOr(ctx, PermRead, a.target(), errNoApplication); err != nil {
				return nil, err
			}
			return nil, errs.User(errs.Forbidden, "вы можете только просматривать это заявление")
		}
		role := string(gr.Role)
		if a.Service != submitapplicationapi.Kindergarten {
			return nil, unprocessable("льготы этого вида учитываются только в очереди в детский сад",
				field("kind", submitapplicationapi.ReasonService, "заявление подано не в детский сад"))
		}
		if !isActive(a.Status) {
			return nil, &errs.Error{Code: errs.Conflict, ForUser: true, Detail: fmt.Sprintf("заявление в статусе «%s»: решение по льготе больше не принимается", a.StatusTitle),
				Extra: map[string]any{submitapplicationapi.MemberCurrentStatus: string(a.Status)}}
		}
		var kg storedKindergarten
		if err := json.Unmarshal(a.Data, &kg); err != nil {
			return nil, fmt.Errorf("privilege of %s: data: %w", a.ID, err)
		}
		i := slices.IndexFunc(kg.Privileges, func(p storedPrivilege) bool { return p.Kind == in.Kind })
		if i < 0 || kg.Privileges[i].Document == "" {
			return nil, unprocessable("эта льгота не заявлена",
				field("kind", submitapplicationapi.ReasonNotClaimed, "в заявлении нет этой льготы с подтверждающим документом; льгота заявляется при подаче заявления"))
		}
		if k := in.KindergartenID; k != nil {
			if !slices.Contains(kg.Preferences, *k) {
				return nil, unprocessable("детский сад не выбран в заявлении",
					field("kindergarten_id", submitapplicationapi.ReasonNotChosen, "преимущественное право подтверждается в одном из выбранных в заявлении детских садов"))
			}
			own := access.Target{OrganisationIDs: []string{k.String()}, MunicipalityIDs: []string{a.MunicipalityID.String()}}
			if _, err := Rules.Grant(ctx, PermPrivilegeDecide, own); err != nil {
				return nil, errs.User(errs.Forbidden, "решение о преимущественном праве в этом детском саду принимает он сам или управление образования")
			}
		}
		was := kg.Privileges[i]
		now := decided(was, *in.Confirmed, in.KindergartenID)
		if now.Confirmed == was.Confirmed && slices.Equal(now.Kindergartens, was.Kindergartens) && now.Reconsider == was.Reconsider {
			return a, nil
		}
		stored, err := json.Marshal(now)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE applications.applications
			SET data = jsonb_set(data, ARRAY['privileges', $2::text], $3::jsonb), updated_at = clock_timestamp()
			WHERE id = $1`, a.ID, strconv.Itoa(i), stored); err != nil {
			return nil, fmt.Errorf("privilege of %s: %w", a.ID, err)
		}
		who := requestActor(ctx, role)
		if _, err := tx.Exec(ctx, `INSERT INTO applications.privilege_decisions
			(application_id, kind, confirmed, kindergarten_id, comment, actor_subject, actor_person_id, actor_role, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp())`,
			a.ID, in.Kind, *in.Confirmed, in.KindergartenID, nullIfEmpty(comment), who.subject, who.person, who.role); err != nil {
			return nil, fmt.Errorf("privilege of %s: decision: %w", a.ID, err)
		}
		if a.Status == submitapplicationapi.Registered {
			ch := queueChange{kind: changePrivilegeRevoked, privilege: in.Kind}
			if *in.Confirmed {
				ch.kind = changePrivilegeConfirmed
			}
			if err := requeue(ctx, tx, map[uuid.UUID]queueChange{a.ID: ch}, time.Time{}); err != nil {
				return nil, err
			}
		}
		return f.load(ctx, tx, `a.id = $1`, id)
	})
}

// decided is claim p after staff decided confirmed (for a sibling claim, in
// kindergarten k; nil revokes it in every one).
func decided(p storedPrivilege, confirmed bool, k *uuid.UUID) storedPrivilege {
	p.Reconsider = false
	if p.Kind != "sibling" {
		p.Confirmed = confirmed
		return p
	}
	kgs := slices.Clone(p.Kindergartens)
	switch {
	case confirmed && !slices.Contains(kgs, *k):
		kgs = append(kgs, *k)
	case !confirmed && k != nil:
		kgs = slices.DeleteFunc(kgs, func(x uuid.UUID) bool { return x == *k })
	case !confirmed:
		kgs = nil
	}
	slices.SortFunc(kgs, compareUUID)
	p.Kindergartens, p.Confirmed = kgs, len(kgs) > 0
	return p
}

// checkComment validates a free-text comment: at most 1000 characters, no
// control characters but line breaks. It returns the trimmed text.
func checkComment(name, s string, fe *[]errs.FieldError) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 1000 {
		*fe = append(*fe, field(name, errs.Length, "не длиннее 1000 символов"))
	} else if strings.IndexFunc(s, func(r rune) bool { return (unicode.IsControl(r) && r != '\n') || r == utf8.RuneError }) >= 0 {
		*fe = append(*fe, field(name, errs.Format, "недопустимые символы"))
	}
	return s
}
