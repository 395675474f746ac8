package submitapplication

import (
	"fmt"
	"slices"
	"strings"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/russian"
)

// cause is why an application's position in a queue changed: a stable machine
// code, stored in applications.queue_history and returned with a plain Russian
// explanation. A cause about another application names at most the kind of its
// privilege or how it left the queue, never the application or its family.
type cause string

// Causes of the application's own changes.
const (
	causeEntered               cause = "entered"                 // registered: entered the queue
	causeReturned              cause = "returned"                // back in the queue after a declined or expired direction
	causeLeft                  cause = "left"                    // left the queue with a status (left_status)
	causePreferencesChanged    cause = "preferences_changed"     // the parent added or removed this kindergarten
	causeAgeBandChanged        cause = "age_band_changed"        // a new desired start moved it to another age band
	causeOwnPrivilegeConfirmed cause = "own_privilege_confirmed" // its privilege was confirmed
	causeOwnPrivilegeRevoked   cause = "own_privilege_revoked"   // its privilege was revoked
	causeOwnSiblingRight       cause = "own_sibling_right"       // a brother or sister was enrolled in this kindergarten
	causeOwnSiblingRightEnded  cause = "own_sibling_right_ended" // no brother or sister is enrolled in this kindergarten any more
)

// Causes of another application's change that moved this one.
const (
	causePrivilegedAhead         cause = "privileged_ahead"          // a new application with a privilege entered ahead
	causeEarlierRegisteredAhead  cause = "earlier_registered_ahead"  // an application received earlier was registered (or returned) ahead
	causeEarlierJoinedAhead      cause = "earlier_joined_ahead"      // an application received earlier chose this kindergarten or age band
	causePrivilegeConfirmedAhead cause = "privilege_confirmed_ahead" // another application's privilege was confirmed and it moved ahead
	causeAheadWithdrawn          cause = "ahead_withdrawn"           // an application ahead was withdrawn
	causeAheadRefused            cause = "ahead_refused"             // an application ahead was refused
	causeAheadArchived           cause = "ahead_archived"            // an application ahead was archived
	causeAheadDirected           cause = "ahead_directed"            // an application ahead got a direction
	causeAheadEnrolled           cause = "ahead_enrolled"            // the child of an application ahead was enrolled
	causeAheadLeft               cause = "ahead_left"                // an application ahead left the queue for another reason (e.g. documents requested)
	causeAheadMovedOut           cause = "ahead_moved_out"           // an application ahead chose other kindergartens or another age band
	causePrivilegeRevokedAhead   cause = "privilege_revoked_ahead"   // an application ahead lost its privilege and fell behind
	causeSiblingRightAhead       cause = "sibling_right_ahead"       // an application behind gained the sibling right in this kindergarten
	causeSiblingRightEndedAhead  cause = "sibling_right_ended_ahead" // an application ahead lost the sibling right in this kindergarten
	causeRecalculated            cause = "recalculated"              // the queue was renumbered with no single cause
	causeSiblingRightByLaw       cause = "sibling_right_by_law"      // the queues were recalculated when the sibling right became per kindergarten
)

func ownEnterCause(ch queueChange) cause {
	switch ch.kind {
	case changeReturned:
		return causeReturned
	case changeChoice:
		return causePreferencesChanged
	}
	return causeEntered
}

func ownLeaveCause(ch queueChange) cause {
	if ch.kind == changeChoice {
		return causePreferencesChanged
	}
	return causeLeft
}

// otherCause is why m moved because of t, with the privilege or status the
// explanation names.
func otherCause(t triggerMove, m queueMove) (cause, *string, *string) {
	down := *m.position > *m.from
	if down {
		switch {
		case t.change.kind == changePrivilegeConfirmed:
			return causePrivilegeConfirmedAhead, &t.change.privilege, nil
		case t.change.kind == changeSibling:
			return causeSiblingRightAhead, &sibling, nil
		case t.from == nil && t.rank < m.rank:
			return causePrivilegedAhead, t.priv, nil
		case t.change.kind == changeChoice:
			return causeEarlierJoinedAhead, nil, nil
		case t.change.kind == changeRegistered || t.change.kind == changeReturned:
			return causeEarlierRegisteredAhead, nil, nil
		}
		return causeRecalculated, nil, nil
	}
	switch t.change.kind {
	case changeLeft:
		s := string(t.change.status)
		switch t.change.status {
		case submitapplicationapi.Withdrawn:
			return causeAheadWithdrawn, nil, &s
		case submitapplicationapi.Refused:
			return causeAheadRefused, nil, &s
		case submitapplicationapi.Archived:
			return causeAheadArchived, nil, &s
		case submitapplicationapi.Directed:
			return causeAheadDirected, nil, &s
		case submitapplicationapi.Enrolled:
			return causeAheadEnrolled, nil, &s
		}
		return causeAheadLeft, nil, &s
	case changeChoice:
		return causeAheadMovedOut, nil, nil
	case changePrivilegeRevoked:
		return causePrivilegeRevokedAhead, &t.change.privilege, nil
	case changeSibling:
		return causeSiblingRightEndedAhead, &sibling, nil
	}
	return causeRecalculated, nil, nil
}

// ownPrivilegeCause is why the changed application moved in a queue where the
// privilege that counts went from was to is.
func ownPrivilegeCause(ch queueChange, was, is *string) (cause, *string) {
	gained := rankOf(is) < rankOf(was)
	switch ch.kind {
	case changePrivilegeConfirmed, changePrivilegeRevoked:
		if gained {
			return causeOwnPrivilegeConfirmed, &ch.privilege
		}
		return causeOwnPrivilegeRevoked, &ch.privilege
	case changeSibling:
		if gained {
			return causeOwnSiblingRight, &sibling
		}
		return causeOwnSiblingRightEnded, &sibling
	}
	return causeRecalculated, nil
}

var sibling = "sibling"

// rankOf is the rank of a privilege that counts (nil: none), as
// applications.kindergarten_privilege_rank orders them.
func rankOf(p *string) int {
	if p == nil {
		return len(privilegeKinds) + 1
	}
	return slices.Index(privilegeKinds, *p) + 1
}

// Titles of privileges as causes name them: «заявление с … правом».
var privilegeAdjective = map[string]string{
	"extraordinary":  "внеочередным правом на зачисление",
	"first_priority": "первоочередным правом на зачисление",
	"sibling":        "преимущественным правом (брат или сестра посещает этот детский сад)",
}

// PrivilegeTitles name the privileges for people.
var PrivilegeTitles = map[string]string{
	"extraordinary":  "Внеочередное право",
	"first_priority": "Первоочередное право",
	"sibling":        "Преимущественное право (брат или сестра посещает этот детский сад)",
}

// siblingRightNote says, in the queue view, where the sibling right counts.
const siblingRightNote = "Преимущественное право учитывается только в детском саду, который посещает брат или сестра ребёнка."

// GroupTypeTitles name the group types for people.
var GroupTypeTitles = map[string]string{
	"general":      "общеразвивающая",
	"compensating": "компенсирующей направленности",
	"short_stay":   "кратковременного пребывания",
}

// leftTitles say why an application left the queue.
var leftTitles = map[submitapplicationapi.Status]string{
	submitapplicationapi.Withdrawn:          "заявление отозвано",
	submitapplicationapi.Refused:            "в предоставлении услуги отказано",
	submitapplicationapi.Archived:           "заявление переведено в архив",
	submitapplicationapi.Directed:           "выдано направление в детский сад",
	submitapplicationapi.Enrolled:           "ребёнок зачислен в детский сад",
	submitapplicationapi.DocumentsRequested: "запрошены документы; место в очереди вернётся после регистрации",
	submitapplicationapi.Checking:           "сведения проверяются повторно; место в очереди вернётся после регистрации",
}

// explain is the Russian explanation of a history row.
func (r historyRow) explain() string {
	moved := ""
	if r.from != nil && r.to != nil {
		moved = fmt.Sprintf(" Место в очереди: было %d, стало %d.", *r.from, *r.to)
	}
	priv := func() string {
		if r.privilege != nil {
			if t, ok := privilegeAdjective[*r.privilege]; ok {
				return t
			}
		}
		return "льготой"
	}
	n := 1
	if r.from != nil && r.to != nil && *r.to < *r.from {
		n = int(*r.from - *r.to)
	}
	ahead := func(singular, plural string) string {
		if n == 1 {
			return singular + moved
		}
		return fmt.Sprintf(plural, n) + moved
	}
	switch r.cause {
	case causeEntered:
		return fmt.Sprintf("Заявление поставлено в очередь этого детского сада на %d-е место.", deref(r.to))
	case causeReturned:
		return fmt.Sprintf("Заявление вернулось в очередь на %d-е место; очерёдность по дате подачи сохранена.", deref(r.to))
	case causeLeft:
		why := "статус заявления изменился"
		if r.leftStatus != nil {
			if t, ok := leftTitles[submitapplicationapi.Status(*r.leftStatus)]; ok {
				why = t
			}
		}
		return "Заявление вышло из очереди этого детского сада: " + why + "."
	case causePreferencesChanged:
		if r.to == nil {
			return "Вы исключили этот детский сад из выбранных: заявление вышло из его очереди."
		}
		return fmt.Sprintf("Вы добавили этот детский сад в выбранные: заявление встало в его очередь на %d-е место по дате подачи.", *r.to)
	case causeAgeBandChanged:
		return fmt.Sprintf("Изменилась желаемая дата зачисления, и заявление перешло из возрастной группы «%s» в группу «%s»: было %d-е место, стало %d-е.",
			bandTitle(derefBand(r.fromBand)), bandTitle(r.key.band), deref(r.from), deref(r.to))
	case causeOwnPrivilegeConfirmed:
		return "Подтверждена ваша льгота; заявление стоит перед заявлениями без льготы и с менее значимой льготой." + moved
	case causeOwnPrivilegeRevoked:
		return "Льгота заявления больше не учитывается (не подтверждена); заявление стоит в очереди по дате подачи." + moved
	case causePrivilegedAhead:
		return "В очередь поставлено заявление с " + priv() + "; такие заявления стоят перед заявлениями без льготы или с менее значимой льготой." + moved
	case causeEarlierRegisteredAhead:
		return "В очередь поставлено заявление, поданное раньше вашего; оно стоит перед вами." + moved
	case causeEarlierJoinedAhead:
		return "Заявление, поданное раньше вашего, выбрало этот детский сад или перешло в эту возрастную группу; оно стоит перед вами." + moved
	case causePrivilegeConfirmedAhead:
		return "У заявления, стоявшего после вас, подтверждена льгота — заявление с " + priv() + " теперь стоит перед вами." + moved
	case causeAheadWithdrawn:
		return ahead("Заявление, стоявшее перед вами, отозвано заявителем.", "Заявления, стоявшие перед вами (%d), отозваны заявителями.")
	case causeAheadRefused:
		return ahead("По заявлению, стоявшему перед вами, отказано в предоставлении услуги.", "По заявлениям, стоявшим перед вами (%d), отказано в предоставлении услуги.")
	case causeAheadArchived:
		return ahead("Заявление, стоявшее перед вами, переведено в архив.", "Заявления, стоявшие перед вами (%d), переведены в архив.")
	case causeAheadDirected:
		return ahead("Заявление, стоявшее перед вами, получило направление в детский сад.", "Заявления, стоявшие перед вами (%d), получили направления в детские сады.")
	case causeAheadEnrolled:
		return ahead("Ребёнок по заявлению, стоявшему перед вами, зачислен в детский сад.", "Дети по заявлениям, стоявшим перед вами (%d), зачислены в детские сады.")
	case causeAheadLeft:
		return ahead("Заявление, стоявшее перед вами, временно вышло из очереди.", "Заявления, стоявшие перед вами (%d), временно вышли из очереди.")
	case causeAheadMovedOut:
		return ahead("Заявление, стоявшее перед вами, больше не стоит в этой очереди: изменён выбор детских садов или желаемая дата зачисления.",
			"Заявления, стоявшие перед вами (%d), больше не стоят в этой очереди: изменён выбор детских садов или желаемая дата зачисления.")
	case causePrivilegeRevokedAhead:
		return "Льгота заявления, стоявшего перед вами, больше не учитывается; теперь оно стоит после вас." + moved
	case causeOwnSiblingRight:
		return "Брат или сестра ребёнка зачислен(а) в этот детский сад: здесь учитывается преимущественное право, и заявление стоит перед заявлениями без льготы." + moved
	case causeOwnSiblingRightEnded:
		return "Брат или сестра ребёнка больше не посещает этот детский сад: преимущественное право здесь не учитывается, заявление стоит в очереди по дате подачи." + moved
	case causeSiblingRightAhead:
		return "У заявления, стоявшего после вас, появилось преимущественное право в этом детском саду (его посещает брат или сестра того ребёнка); теперь оно стоит перед вами." + moved
	case causeSiblingRightEndedAhead:
		return "Брат или сестра ребёнка по заявлению, стоявшему перед вами, больше не посещает этот детский сад; преимущественное право там не учитывается, и теперь оно стоит после вас." + moved
	case causeSiblingRightByLaw:
		return "Очередь пересчитана по закону (ч. 3.1 ст. 67 273-ФЗ): преимущественное право учитывается только в детском саду, который посещает брат или сестра ребёнка, а не во всех выбранных." + moved
	}
	return "Очередь пересчитана." + moved
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func derefBand(p *int16) int16 {
	if p == nil {
		return 0
	}
	return *p
}

// bandTitle names an age band: «3 года», «до 1 года».
func bandTitle(band int16) string {
	if band <= 0 {
		return "до 1 года"
	}
	return fmt.Sprintf("%d %s", band, yearsWord(int(band)))
}

func yearsWord(n int) string { return russian.Plural(n, "год", "года", "лет") }

// placesText is «1 место», «3 места», «5 мест».
func placesText(n int) string {
	return fmt.Sprintf("%d %s", n, russian.Plural(n, "место", "места", "мест"))
}

// applicationsText is «1 заявление», «2 заявления», «5 заявлений».
func applicationsText(n int) string {
	return fmt.Sprintf("%d %s", n, russian.Plural(n, "заявление", "заявления", "заявлений"))
}

// lowerFirst lower-cases the first letter of a title for use inside a sentence.
func lowerFirst(s string) string {
	for i, r := range s {
		return strings.ToLower(string(r)) + s[i+len(string(r)):]
	}
	return s
}
