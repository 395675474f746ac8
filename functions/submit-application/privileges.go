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

	"github.com/kuzbass/eko/shared/errs"
)

// decidePrivilege: POST /api/submit-application/applications/{id}/privileges {kind, confirmed, comment}
//
// Staff of a kindergarten the application is addressed to, or the municipal
// authority of its municipality, confirm or revoke a privilege the parent
// claimed with its document (422 for one not claimed). The decision is
// recorded (applications.privilege_decisions) and, for a registered
// application, its queues are recalculated in the same transaction, each
// moved position recorded with its cause. Deciding what is already decided
// changes nothing. The answer is the application's queue view.
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
		if kg.Privileges[i].Confirmed != *in.Confirmed {
			if _, err := tx.Exec(ctx, `UPDATE applications.applications
				SET data = jsonb_set(data, ARRAY['privileges', $2::text, 'confirmed'], to_jsonb($3::boolean)), updated_at = clock_timestamp()
				WHERE id = $1`, a.ID, strconv.Itoa(i), *in.Confirmed); err != nil {
				return nil, fmt.Errorf("privilege of %s: %w", a.ID, err)
			}
			who := requestActor(ctx, role)
			if _, err := tx.Exec(ctx, `INSERT INTO applications.privilege_decisions
				(application_id, kind, confirmed, comment, actor_subject, actor_person_id, actor_role, decided_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp())`,
				a.ID, in.Kind, *in.Confirmed, nullIfEmpty(comment), who.subject, who.person, who.role); err != nil {
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
		}
		return a, nil
	})
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
