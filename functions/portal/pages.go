package portal

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	kdnapi "github.com/kuzbass/eko/functions/kdn/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/pdata"
)

// view is what the layout and every page template get.
type view struct {
	Title   string
	Page    string // data-page of <main>, for tests and styles
	User    string
	CSRF    string // the session's form token; empty without a session
	Roles   []roleOption
	Active  *roleOption
	Nav     []navItem
	Status  int
	Message string // error pages
	Detail  string
	Retry   bool // error pages: offer a new login
	Data    any
}

type navItem struct {
	ID, Href, Label string
	Current         bool
}

// baseView is the layout of a page: who is signed in and the form token.
func (f *Function) baseView(r *http.Request, page, title string) view {
	v := view{Title: title, Page: page}
	if s := sessionFrom(r.Context()); s != nil {
		v.CSRF = s.CSRF
		v.Nav = []navItem{{ID: "nav-profile", Href: "/profile", Label: "Мой профиль"}}
	}
	if p := principal(r); p != nil {
		v.User = strings.TrimSpace(p.FamilyName + " " + p.GivenName + " " + p.MiddleName)
		if v.User == "" {
			v.User = p.FullName
		}
	}
	return v
}

// withNavigation adds the role switcher and the sections the user may open:
// the portal's own pages by the registry's grants, the journal's and the
// services' as post-grade and submit-application answer (a function that
// does not answer leaves its sections out of this page).
func (p *page) withNavigation(grants []access.Grant) {
	v, r := &p.view, p.r
	s := sessionFrom(r.Context())
	v.Roles = roleOptions(grants)
	if s != nil {
		v.Active = activeOf(v.Roles, s.ActiveRole)
	}
	v.Nav = []navItem{{ID: "nav-profile", Href: "/profile", Label: "Мой профиль"}}
	if hasRole(grants, kindParent) {
		v.Nav = append(v.Nav, navItem{ID: "nav-children", Href: "/children", Label: "Мои дети"})
	}
	if hasRole(grants, kindStaff, kindOfficial) {
		v.Nav = append(v.Nav, navItem{ID: "nav-organisation", Href: "/organisation", Label: "Моя организация"})
	}
	services, err := p.Services()
	if err != nil {
		p.f.log.WarnContext(r.Context(), "portal: the services' sections left out", "err", err)
	}
	journal, err := p.Journal()
	if err != nil {
		p.f.log.WarnContext(r.Context(), "portal: the journal's sections left out", "err", err)
	}
	if services.Applies || services.Processes {
		v.Nav = append(v.Nav, navItem{ID: "nav-applications", Href: "/applications", Label: "Заявления"})
	}
	homework, err := p.Homework()
	if err != nil {
		p.f.log.WarnContext(r.Context(), "portal: the homework section left out", "err", err)
	}
	if len(homework.Pupils) > 0 {
		v.Nav = append(v.Nav, navItem{ID: "nav-homework", Href: "/homework", Label: "Домашние задания"})
	}
	folio, err := p.Portfolio()
	if err != nil {
		p.f.log.WarnContext(r.Context(), "portal: the portfolio section left out", "err", err)
	}
	if len(folio.Pupils) > 0 || folio.Teacher {
		v.Nav = append(v.Nav, navItem{ID: "nav-portfolio", Href: "/portfolio", Label: "Портфолио"})
	}
	if folio.Confirms {
		v.Nav = append(v.Nav, navItem{ID: "nav-portfolio-claims", Href: "/confirmations", Label: "Подтверждение достижений"})
	}
	if folio.Operates {
		v.Nav = append(v.Nav, navItem{ID: "nav-operator-results", Href: "/operator/results", Label: "Результаты без владельца"})
	}
	reports, err := p.Reports()
	if err != nil {
		p.f.log.WarnContext(r.Context(), "portal: the reports section left out", "err", err)
	}
	if reports.Defines || reports.Reviews || reports.Fills {
		v.Nav = append(v.Nav, navItem{ID: "nav-reports", Href: "/reports", Label: "Отчётность"})
	}
	cases, err := p.Cases()
	if err != nil {
		p.f.log.WarnContext(r.Context(), "portal: the commission's section left out", "err", err)
	}
	if cases.Commission || cases.Refers {
		v.Nav = append(v.Nav, navItem{ID: "nav-kdn", Href: "/kdn", Label: "КДН и ЗП"})
	}
	wards, err := p.Wards()
	if err != nil {
		p.f.log.WarnContext(r.Context(), "portal: the guardianship section left out", "err", err)
	}
	if wards.Wards {
		v.Nav = append(v.Nav, navItem{ID: "nav-wards", Href: "/wards", Label: "Опека и попечительство"})
	}
	entry, err := p.Admission()
	if err != nil {
		p.f.log.WarnContext(r.Context(), "portal: the admission's sections left out", "err", err)
	}
	if entry.Applies {
		v.Nav = append(v.Nav, navItem{ID: "nav-admission", Href: "/admission", Label: "Поступление в колледж"})
	}
	if len(entry.Offices) > 0 {
		v.Nav = append(v.Nav, navItem{ID: "nav-admission-office", Href: "/admission/office", Label: "Приёмная комиссия"})
	}
	if journal.Teaches {
		v.Nav = append(v.Nav, navItem{ID: "nav-journal", Href: "/journal", Label: "Журнал"})
	}
	if journal.Diary {
		v.Nav = append(v.Nav, navItem{ID: "nav-diary", Href: "/diary", Label: "Дневник"})
	}
	if journal.Summary != nil {
		v.Nav = append(v.Nav, navItem{ID: "nav-summary", Href: "/summary/journal", Label: "Сводка журнала"})
	}
	if len(services.Allocates) > 0 {
		v.Nav = append(v.Nav, navItem{ID: "nav-allocations", Href: "/allocations", Label: "Комплектование"})
	}
	for i := range v.Nav {
		v.Nav[i].Current = strings.HasPrefix(r.URL.Path, v.Nav[i].Href)
	}
}

// profileView is the data of «Мой профиль».
type profileView struct {
	Me         *registryapi.Me
	Linked     bool
	Problem    string // headline of a failed identity match
	ESIAName   string
	ESIABirth  string
	ESIASNILS  string
	Roles      []string
	Untrusted  bool
	ChildCount int
}

// identityProblems are the headlines of each failed match, in plain words.
var identityProblems = map[string]string{
	registryapi.MatchNotFound:     "Мы не нашли вас в реестре ЭКО",
	registryapi.MatchMismatch:     "Данные Госуслуг не совпадают с данными в ЭКО",
	registryapi.MatchAmbiguous:    "В реестре ЭКО несколько похожих записей",
	registryapi.MatchTakenByOther: "Ваша запись в ЭКО связана с другой учётной записью Госуслуг",
	registryapi.MatchChildAccount: "Детям до 14 лет нужна учётная запись, созданная родителем",
	registryapi.MatchService:      "Это служебная учётная запись",
}

// profile: GET /profile — «Мой профиль».
func (f *Function) profile(w http.ResponseWriter, r *http.Request, pg *page) error {
	p := principal(r)
	me, err := f.registry.Me(r.Context())
	if err != nil {
		return err
	}
	pg.keepGrants(personOf(me), me.Grants)
	d := profileView{Me: me, Linked: me.Identity.Status == registryapi.MatchLinked, Untrusted: !me.Trusted, ChildCount: len(me.Children)}
	if !d.Linked {
		d.Problem = identityProblems[me.Identity.Status]
		if d.Problem == "" {
			d.Problem = "Не удалось сопоставить учётную запись Госуслуг с реестром ЭКО"
		}
		d.ESIAName = strings.TrimSpace(p.FamilyName + " " + p.GivenName + " " + p.MiddleName)
		d.ESIABirth = p.BirthDate
		if p.SNILS != "" {
			d.ESIASNILS = pdata.MaskSNILS(p.SNILS)
		}
	}
	if me.Person != nil {
		masked(me.Person)
	}
	for _, g := range me.Grants {
		if g.Role != access.Person {
			d.Roles = append(d.Roles, labelOf(g))
		}
	}
	pg.Data = d
	return pg.render(w, http.StatusOK)
}

// personOf is the registry person /me names, or "".
func personOf(me *registryapi.Me) string {
	if me.Person != nil {
		return me.Person.ID.String()
	}
	return ""
}

// childrenView is the data of «Мои дети».
type childrenView struct {
	Linked    bool
	Untrusted bool
	Children  []registryapi.Child
}

// children: GET /children — «Мои дети».
func (f *Function) children(w http.ResponseWriter, r *http.Request, pg *page) error {
	me, err := f.registry.Me(r.Context())
	if err != nil {
		return err
	}
	pg.keepGrants(personOf(me), me.Grants)
	pg.Data = childrenView{Linked: me.Identity.Status == registryapi.MatchLinked, Untrusted: !me.Trusted, Children: me.Children}
	return pg.render(w, http.StatusOK)
}

// pathID reads the {id} of a page; a malformed id is simply not found.
func pathID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil || len(r.PathValue("id")) != 36 {
		return uuid.Nil, errs.User(errs.NotFound, "Не найдено.")
	}
	return id, nil
}

// child: GET /children/{id} — a child's profile, as the registry shows it to
// this user. Another family's child is 404 at the registry, and so here.
func (f *Function) child(w http.ResponseWriter, r *http.Request, pg *page) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	person, err := f.registry.Person(r.Context(), id)
	if err != nil {
		return notFoundIfRefused(err)
	}
	masked(person)
	v := childView{Person: person}
	if f.kdn != nil { // the parents and the pupil see that a commission's case exists, and its state
		if list, err := f.kdn.ChildReferrals(r.Context(), id); err == nil {
			v.Referrals = list
		}
	}
	pg.Title, pg.Data = person.FullName(), v
	return pg.render(w, http.StatusOK)
}

// childView is the data of a child's page: the registry's record and, for
// the family, the juvenile-affairs commission's cases by their state only.
type childView struct {
	*registryapi.Person
	Referrals []kdnapi.ChildReferral
}

// notFoundIfRefused shows a refusal to read a person as «Не найдено»: whether
// the registry refused the route (no role at all) or the object (another
// family's child), the page says only that there is nothing to see.
func notFoundIfRefused(err error) error {
	if errs.CodeOf(err) == errs.Forbidden {
		return errs.User(errs.NotFound, "Не найдено.")
	}
	return err
}

// masked hides SNILS and document numbers on pages, whatever the registry
// returned: no page needs them in full, and phone screens are seen by others.
// Values the registry already masked are left as they are.
func masked(p *registryapi.Person) {
	if p.SNILS != "" && !strings.Contains(p.SNILS, "*") {
		p.SNILS = pdata.MaskSNILS(p.SNILS)
	}
	if d := p.Document; d != nil && !strings.Contains(d.Number, "*") {
		d.Series, d.Number = "", pdata.MaskDocument(d.Series+d.Number)
	}
}

// auditRow is one line of «Кто смотрел данные ребёнка».
type auditRow struct {
	Seq   int64
	At    time.Time
	Who   string
	What  string
	Where string
	Agent string
}

type auditView struct {
	ChildID   string
	ChildName string
	Rows      []auditRow
	Next      string
}

// childAudit: GET /children/{id}/audit?after= — who read or changed the child's
// data, when and from where (the registry's append-only audit log).
func (f *Function) childAudit(w http.ResponseWriter, r *http.Request, pg *page) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var after int64
	if a := r.URL.Query().Get("after"); a != "" {
		if after, err = strconv.ParseInt(a, 10, 64); err != nil || after <= 0 {
			return errs.User(errs.Invalid, "Неверная ссылка на страницу журнала.")
		}
	}
	g, err := pg.Grants()
	if err != nil {
		return err
	}
	log, err := f.registry.Audit(r.Context(), id, after, 50)
	if err != nil {
		return notFoundIfRefused(err)
	}
	d := auditView{ChildID: id.String(), ChildName: childNameOf(g.Grants, id.String()), Next: log.Next}
	for _, rec := range log.Items {
		d.Rows = append(d.Rows, auditRow{
			Seq: rec.Seq, At: rec.At, Who: actorOf(rec, g.PersonID, id), What: describeAccess(rec),
			Where: rec.RemoteAddr, Agent: shortAgent(rec.UserAgent),
		})
	}
	pg.Data = d
	return pg.render(w, http.StatusOK)
}

// actorOf says who accessed the data, in words.
func actorOf(rec audit.Record, self string, child uuid.UUID) string {
	switch {
	case rec.ActorPersonID != nil && rec.ActorPersonID.String() == self:
		return "Вы"
	case rec.ActorPersonID != nil && *rec.ActorPersonID == child:
		return "Сам ребёнок (своя учётная запись)"
	case strings.HasPrefix(rec.ActorSubject, "service:"):
		return "Служба «" + strings.TrimPrefix(rec.ActorSubject, "service:") + "»"
	}
	who := "Пользователь ЕСИА № " + rec.ActorSubject
	if t := registryapi.RoleTitles[rec.ActorRole]; t != "" {
		who = t + " (ЕСИА № " + rec.ActorSubject + ")"
	}
	return who
}

var actionTitles = map[string]string{
	audit.ActionRead: "Просмотр", audit.ActionCreate: "Внесение", audit.ActionUpdate: "Изменение",
	audit.ActionDelete: "Удаление", audit.ActionExport: "Выгрузка",
}

var objectTitles = map[string]string{
	"registry.person":       "профиль",
	"registry.class-list":   "список класса",
	"registry.class-roster": "список класса в журнале",
	"registry.enrollment":   "зачисление",
	"registry.parent-link":  "связь с родителем",
}

var fieldTitles = map[string]string{
	"profile": "основные данные", "snils": "СНИЛС", "document": "документ", "enrollment": "зачисление",
	"parents": "родители", "family_name": "фамилия", "given_name": "имя", "middle_name": "отчество",
	"birth_date": "дата рождения", "gender": "пол", "email": "эл. почта", "phone": "телефон",
}

func describeAccess(rec audit.Record) string {
	s := actionTitles[rec.Action]
	if s == "" {
		s = rec.Action
	}
	obj := objectTitles[rec.Object]
	if obj == "" {
		obj = rec.Object
	}
	s += ": " + obj
	var fields []string
	for _, fl := range rec.Fields {
		if t := fieldTitles[fl]; t != "" {
			fields = append(fields, t)
		} else {
			fields = append(fields, fl)
		}
	}
	if len(fields) > 0 {
		s += " (" + strings.Join(fields, ", ") + ")"
	}
	if rec.Purpose != "" {
		s += " — " + rec.Purpose
	}
	return s
}

// shortAgent names the browser of a user agent string, for people.
func shortAgent(ua string) string {
	for _, b := range []struct{ token, name string }{
		{"YaBrowser/", "Яндекс Браузер"}, {"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"},
		{"HeadlessChrome/", "Chrome (без интерфейса)"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			os := ""
			switch {
			case strings.Contains(ua, "Android"):
				os = "Android"
			case strings.Contains(ua, "iPhone"), strings.Contains(ua, "iPad"):
				os = "iOS"
			case strings.Contains(ua, "Windows"):
				os = "Windows"
			case strings.Contains(ua, "Mac OS"):
				os = "macOS"
			case strings.Contains(ua, "Linux"):
				os = "Linux"
			}
			if os != "" {
				return b.name + ", " + os
			}
			return b.name
		}
	}
	if len(ua) > 60 {
		return ua[:60] + "…"
	}
	return ua
}

// switchRole: POST /role — makes another of the user's roles the active one.
func (f *Function) switchRole(w http.ResponseWriter, r *http.Request) error {
	s := sessionFrom(r.Context())
	if err := f.checkForm(w, r, s); err != nil {
		return err
	}
	key := r.PostForm.Get("role")
	g, err := f.registry.MyGrants(r.Context())
	if err != nil {
		return err
	}
	for _, o := range roleOptions(g.Grants) {
		if o.Key == key {
			if err := f.store.setRole(r.Context(), s.idHash, key); err != nil {
				return err
			}
			http.Redirect(w, r, o.Home(), http.StatusSeeOther)
			return nil
		}
	}
	return errs.User(errs.Invalid, "У вас нет такой роли.")
}
