package portal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The education services' pages: a parent applies and follows the timeline and
// the explained kindergarten queue position; staff process the applications
// addressed to their organisation; a municipality runs the kindergarten
// allocation and watches overdue work. Every page calls the submit-application
// API with the user's token; that API decides what the user may see and do.

func (f *Function) mountApplications(rt *httpx.Router) {
	rt.Handle(http.MethodGet, "/applications", auth.Authenticated, f.pageOf("applications", "Заявления", f.applications))
	rt.Handle(http.MethodGet, "/applications/new", auth.Authenticated, f.pageOf("apply", "Заявление", f.applyForm))
	rt.Handle(http.MethodPost, "/applications", auth.Authenticated, f.pageOf("apply", "Заявление", f.apply))
	rt.Handle(http.MethodGet, "/applications/{id}", auth.Authenticated, f.pageOf("application", "Заявление", f.application))
	rt.Handle(http.MethodPost, "/applications/{id}/status", auth.Authenticated, f.applicationStatus)
	rt.Handle(http.MethodPost, "/applications/{id}/direction", auth.Authenticated, f.applicationDirection)
	rt.Handle(http.MethodGet, "/allocations", auth.Authenticated, f.pageOf("allocations", "Комплектование детских садов", f.allocations))
	rt.Handle(http.MethodPost, "/allocations", auth.Authenticated, f.pageOf("allocations", "Комплектование детских садов", f.createAllocation))
	rt.Handle(http.MethodGet, "/allocations/{id}", auth.Authenticated, f.pageOf("allocation", "Комплектование: результаты", f.allocation))
	rt.Handle(http.MethodPost, "/allocations/{id}/confirm", auth.Authenticated, f.confirmAllocation)
}

// servicesForm checks a posted form (checkForm) and returns the
// submit-application API to send it to.
func (f *Function) servicesForm(w http.ResponseWriter, r *http.Request) (*submitapplicationapi.Client, error) {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return nil, err
	}
	return f.servicesAPI()
}

// servicesAPI is the submit-application API, or 503 when the portal was
// deployed without it.
func (f *Function) servicesAPI() (*submitapplicationapi.Client, error) {
	if f.services == nil {
		return nil, errs.User(errs.Unavailable, "Приём заявлений сейчас недоступен.")
	}
	return f.services, nil
}

// serviceTitles name the services on the pages.
var serviceTitles = map[submitapplicationapi.Service]string{
	submitapplicationapi.Kindergarten:        "Детский сад",
	submitapplicationapi.FirstGrade:          "Первый класс",
	submitapplicationapi.AdditionalEducation: "Дополнительное образование",
}

// servicesPage is the submit-application client and the {id} of a page.
func (f *Function) servicesPage(r *http.Request) (*submitapplicationapi.Client, uuid.UUID, error) {
	api, err := f.servicesAPI()
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := pathID(r)
	return api, id, err
}

// orgNames finds organisation names in the registry, once per id per page.
type orgNames struct {
	f     *Function
	ctx   context.Context
	known map[uuid.UUID]string
}

func (f *Function) orgNames(r *http.Request) *orgNames {
	return &orgNames{f: f, ctx: r.Context(), known: map[uuid.UUID]string{}}
}

func (n *orgNames) name(id uuid.UUID) string {
	if s, ok := n.known[id]; ok {
		return s
	}
	s := "организация " + id.String()[:8]
	if o, err := n.f.registry.Organisation(n.ctx, id); err == nil {
		s = o.ShortName
	}
	n.known[id] = s
	return s
}

// applicationRow is one line of a list.
type applicationRow struct {
	submitapplicationapi.Application
	ServiceTitle string
	Organisation string
}

type applicationsView struct {
	Items  []applicationRow
	Next   string
	Filter url.Values
	// Applies and Processes are submit-application's answer: the caller applies
	// (a parent: the links to apply), processes (the overdue filter).
	Applies, Processes bool
	Statuses           []statusOption
	Query              string
}

type statusOption struct {
	Value, Title string
}

func allStatuses() []statusOption {
	var out []statusOption
	for _, s := range []submitapplicationapi.Status{submitapplicationapi.Submitted, submitapplicationapi.Checking, submitapplicationapi.DocumentsRequested, submitapplicationapi.Registered, submitapplicationapi.Directed, submitapplicationapi.Enrolled,
		submitapplicationapi.Refused, submitapplicationapi.Withdrawn, submitapplicationapi.Archived, submitapplicationapi.DirectionDeclined, submitapplicationapi.DirectionExpired} {
		out = append(out, statusOption{string(s), submitapplicationapi.Statuses[s].Title})
	}
	return out
}

// applications: GET /applications[?service=&status=&overdue=true&undecided_privilege=true&after=] —
// a parent's own applications; the applications addressed to a staff member's
// organisation; a municipality's (with its overdue work and the privilege
// claims it has to decide).
func (f *Function) applications(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.servicesAPI()
	if err != nil {
		return err
	}
	may, err := pg.Services()
	if err != nil {
		return err
	}
	in := r.URL.Query()
	filter := submitapplicationapi.ApplicationFilter{Service: submitapplicationapi.Service(in.Get("service")),
		Status: submitapplicationapi.Status(in.Get("status")), Overdue: in.Get("overdue") == "true",
		UndecidedPrivilege: in.Get("undecided_privilege") == "true", After: in.Get("after")}
	list, err := api.Applications(r.Context(), filter)
	if err != nil {
		return err
	}
	q := url.Values{}
	for _, k := range []string{"service", "status", "overdue", "undecided_privilege"} {
		if v := in.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	names := f.orgNames(r)
	d := applicationsView{Filter: q, Next: list.Next, Statuses: allStatuses(),
		Applies: may.Applies, Processes: may.Processes}
	for _, a := range list.Items {
		d.Items = append(d.Items, applicationRow{Application: a, ServiceTitle: serviceTitles[a.Service], Organisation: names.name(a.OrganisationID)})
	}
	if d.Next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", d.Next)
		d.Query = nq.Encode()
	}
	if filter.Overdue {
		pg.Title = "Просроченные заявления"
	}
	pg.Data = d
	return pg.render(w, http.StatusOK)
}

// applyView is the application form, with the API's refusal when it was sent.
type applyView struct {
	Service        string
	ServiceTitle   string
	Key            string // the Idempotency-Key of this form: a double click sends it twice, one application results
	Children       []registryapi.Child
	Organisations  []registryapi.Organisation
	Programmes     []submitapplicationapi.Programme
	Form           url.Values
	Error          string
	FieldErrors    map[string]string
	PreferenceSlot []int
}

var applyTitles = map[string]string{
	"kindergarten":         "Заявление в детский сад",
	"first_grade":          "Заявление в первый класс",
	"additional_education": "Запись на дополнительное образование",
}

// applyForm: GET /applications/new?service=kindergarten|first_grade|additional_education
func (f *Function) applyForm(w http.ResponseWriter, r *http.Request, pg *page) error {
	service := r.URL.Query().Get("service")
	if _, ok := applyTitles[service]; !ok {
		service = "kindergarten"
	}
	return f.renderApply(w, r, pg, service, url.Values{}, newKey(), nil)
}

func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "portal-" + hex.EncodeToString(b)
}

func (f *Function) renderApply(w http.ResponseWriter, r *http.Request, pg *page, service string, form url.Values, key string, refusal *errs.Error) error {
	api, err := f.servicesAPI()
	if err != nil {
		return err
	}
	ctx := r.Context()
	me, err := f.registry.Me(ctx)
	if err != nil {
		return err
	}
	pg.keepGrants(personOf(me), me.Grants)
	d := applyView{Service: service, ServiceTitle: applyTitles[service], Key: key, Children: me.Children, Form: form,
		FieldErrors: map[string]string{}, PreferenceSlot: []int{0, 1, 2, 3, 4}}
	switch service {
	case "kindergarten", "first_grade":
		kind := map[string]string{"kindergarten": "kindergarten", "first_grade": "school"}[service]
		orgs, err := f.registry.Organisations(ctx, registryapi.OrganisationFilter{Kind: kind, Limit: 500})
		if err != nil {
			return err
		}
		d.Organisations = orgs.Items
	case "additional_education":
		if d.Programmes, err = api.OpenProgrammes(ctx); err != nil {
			return err
		}
	}
	status := http.StatusOK
	if refusal != nil {
		status = httpx.Status(refusal.Code)
		d.Error = shownDetail(refusal)
		for _, fe := range refusal.Fields {
			d.FieldErrors[formField(fe.Field)] = fe.Message
		}
	}
	pg.Title, pg.Data = d.ServiceTitle, d
	return pg.render(w, status)
}

// formField maps an API field path onto the form's field name.
func formField(apiField string) string {
	switch {
	case strings.HasPrefix(apiField, "kindergarten.preferences"):
		return "preferences"
	case strings.HasPrefix(apiField, "kindergarten.privileges"):
		return "privilege"
	case strings.HasPrefix(apiField, "first_grade.basis"):
		return "basis"
	}
	if i := strings.LastIndexByte(apiField, '.'); i >= 0 {
		return apiField[i+1:]
	}
	return apiField
}

// apply: POST /applications — sends the form to the API with its
// Idempotency-Key; on success the application's page, otherwise the form again
// with the API's explanation next to the fields.
func (f *Function) apply(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.servicesForm(w, r)
	if err != nil {
		return err
	}
	form := r.PostForm
	service := form.Get("service")
	if _, ok := applyTitles[service]; !ok {
		return errs.User(errs.Invalid, "Неизвестная услуга.")
	}
	key := form.Get("key")
	if len(key) < 8 || len(key) > 100 {
		return errs.User(errs.Invalid, "Форма устарела. Откройте её заново.")
	}
	req := submitapplicationapi.SubmitRequest{Service: service, ChildID: form.Get("child_id")}
	switch service {
	case "kindergarten":
		kg := &submitapplicationapi.KindergartenData{DesiredStart: form.Get("desired_start"), GroupType: form.Get("group_type")}
		for _, id := range form["preference"] {
			if id = strings.TrimSpace(id); id != "" {
				kg.Preferences = append(kg.Preferences, id)
			}
		}
		if kind := form.Get("privilege"); kind != "" {
			kg.Privileges = []submitapplicationapi.Privilege{{Kind: kind, Document: form.Get("privilege_document")}}
		}
		req.Kindergarten = kg
	case "first_grade":
		req.FirstGrade = &submitapplicationapi.FirstGradeData{SchoolID: form.Get("school_id"), Basis: form.Get("basis"), BasisDocument: form.Get("basis_document")}
	case "additional_education":
		req.AdditionalEducation = &submitapplicationapi.AdditionalEducationData{ProgrammeID: form.Get("programme_id")}
	}
	a, err := api.Submit(r.Context(), key, req)
	if e, ok := errs.As(err); ok && (e.Code == errs.Invalid || e.Code == errs.Unprocessable || e.Code == errs.Conflict) {
		return f.renderApply(w, r, pg, service, form, key, e)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/applications/"+a.ID.String(), http.StatusSeeOther)
	return nil
}

// applicationView is one application's page.
type applicationView struct {
	App          submitapplicationapi.Application
	ServiceTitle string
	Organisation string
	Preferences  []string
	Queue        *submitapplicationapi.QueueView
	QueueNames   map[uuid.UUID]string
	Moves        []statusOption // what submit-application says this user may move it to
	Reasons      []statusOption // the grounds the refusal among them needs
	Notice       string
}

// application: GET /applications/{id} — the status timeline, the explained
// queue position (kindergarten), a direction to answer, and the moves the
// user may make.
func (f *Function) application(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.servicesPage(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a, err := api.Application(ctx, id)
	if err != nil {
		return err
	}
	names := f.orgNames(r)
	d := applicationView{App: a, ServiceTitle: serviceTitles[a.Service], Organisation: names.name(a.OrganisationID),
		QueueNames: map[uuid.UUID]string{}, Notice: r.URL.Query().Get("done")}
	for _, o := range a.OrganisationIDs {
		d.Preferences = append(d.Preferences, names.name(o))
	}
	if a.Service == submitapplicationapi.Kindergarten {
		if q, err := api.Queue(ctx, id); err == nil {
			d.Queue = &q
			for _, k := range q.Kindergartens {
				d.QueueNames[k.KindergartenID] = names.name(k.KindergartenID)
			}
			if q.Direction != nil {
				d.QueueNames[q.Direction.KindergartenID] = names.name(q.Direction.KindergartenID)
			}
		}
	}
	for _, m := range a.AllowedMoves {
		d.Moves = append(d.Moves, statusOption{string(m.Status), m.Title})
		for _, reason := range m.Reasons {
			d.Reasons = append(d.Reasons, statusOption{reason.Code, reason.Title})
		}
	}
	pg.Title, pg.Data = "Заявление "+a.Number, d
	return pg.render(w, http.StatusOK)
}

// applicationStatus: POST /applications/{id}/status — staff move the
// application on; a parent withdraws it.
func (f *Function) applicationStatus(w http.ResponseWriter, r *http.Request) error {
	return f.act(w, r, "/applications/%s?done=status", func(api *submitapplicationapi.Client, id uuid.UUID, form url.Values) error {
		body := submitapplicationapi.StatusRequest{Status: form.Get("status"), Comment: form.Get("comment")}
		if body.Status == string(submitapplicationapi.Refused) {
			body.Reason = form.Get("reason")
		}
		_, err := api.ChangeStatus(r.Context(), id, body)
		return err
	})
}

// applicationDirection: POST /applications/{id}/direction — the parent
// accepts or declines a kindergarten direction.
func (f *Function) applicationDirection(w http.ResponseWriter, r *http.Request) error {
	return f.act(w, r, "/applications/%s?done=direction", func(api *submitapplicationapi.Client, id uuid.UUID, form url.Values) error {
		return api.AnswerDirection(r.Context(), id, submitapplicationapi.DirectionAnswer{Decision: form.Get("decision")})
	})
}

// act performs a form's action on the object {id} of the page with the
// submit-application API, then redirects to page (which takes the id for %s).
func (f *Function) act(w http.ResponseWriter, r *http.Request, page string, do func(*submitapplicationapi.Client, uuid.UUID, url.Values) error) error {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return err
	}
	api, id, err := f.servicesPage(r)
	if err != nil {
		return err
	}
	if err := do(api, id, r.PostForm); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf(page, id), http.StatusSeeOther)
	return nil
}

// allocationsView lists a municipality's allocation campaigns and offers a new one.
type allocationsView struct {
	Items         []submitapplicationapi.AllocationView
	Municipality  string
	Kindergartens []registryapi.Organisation
	Rows          []int
	Start         string
	Error         string
}

// allocations: GET /allocations — the kindergarten allocation campaigns.
func (f *Function) allocations(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderAllocations(w, r, pg, "")
}

func (f *Function) renderAllocations(w http.ResponseWriter, r *http.Request, pg *page, problem string) error {
	api, err := f.servicesAPI()
	if err != nil {
		return err
	}
	ctx := r.Context()
	may, err := pg.Services()
	if err != nil {
		return err
	}
	runs, err := api.Allocations(ctx)
	if err != nil {
		return err
	}
	d := allocationsView{Items: runs, Rows: []int{0, 1, 2, 3, 4, 5, 6, 7}, Error: problem,
		Start: time.Date(f.Time().Year(), time.September, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)}
	// A new campaign's form: for the municipality whose allocation the caller runs.
	if len(may.Allocates) > 0 {
		mun := may.Allocates[0]
		d.Municipality = mun.String()
		kgs, err := f.registry.Organisations(ctx, registryapi.OrganisationFilter{Kind: "kindergarten", Municipality: mun, Limit: 500})
		if err != nil {
			return err
		}
		d.Kindergartens = kgs.Items
	}
	pg.Data = d
	status := http.StatusOK
	if problem != "" {
		status = http.StatusUnprocessableEntity
	}
	return pg.render(w, status)
}

// createAllocation: POST /allocations — a draft: the places the municipality
// offers, row by row (kindergarten, age band, group type, places).
func (f *Function) createAllocation(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.servicesForm(w, r)
	if err != nil {
		return err
	}
	form := r.PostForm
	days, _ := strconv.Atoi(form.Get("response_days"))
	req := submitapplicationapi.AllocationRequest{MunicipalityID: form.Get("municipality_id"), StartDate: form.Get("start_date"), ResponseDays: days}
	kgs, bands, groups, places := form["kindergarten_id"], form["age_band"], form["group_type"], form["places"]
	for i := range kgs {
		if kgs[i] == "" || i >= len(bands) || i >= len(groups) || i >= len(places) || places[i] == "" {
			continue
		}
		band, err1 := strconv.Atoi(bands[i])
		n, err2 := strconv.Atoi(places[i])
		if err1 != nil || err2 != nil {
			return f.renderAllocations(w, r, pg, "Возраст и число мест — целые числа (строка "+strconv.Itoa(i+1)+").")
		}
		req.Places = append(req.Places, submitapplicationapi.PlaceOffer{KindergartenID: kgs[i], AgeBand: &band, GroupType: groups[i], Places: &n})
	}
	run, err := api.CreateAllocation(r.Context(), req)
	if e, ok := errs.As(err); ok && (e.Code == errs.Invalid || e.Code == errs.Unprocessable || e.Code == errs.Conflict) {
		msg := shownDetail(e)
		for _, fe := range e.Fields {
			msg += "; " + fe.Message
		}
		return f.renderAllocations(w, r, pg, msg)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/allocations/"+run.ID.String(), http.StatusSeeOther)
	return nil
}

// allocation: GET /allocations/{id} — a campaign's results, each explained.
func (f *Function) allocation(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.servicesPage(r)
	if err != nil {
		return err
	}
	run, err := api.Allocation(r.Context(), id, 200)
	if err != nil {
		return err
	}
	pg.Data = struct {
		Run       submitapplicationapi.AllocationView
		CanRun    bool
		Confirmed bool
	}{run, run.MayConfirm, run.Status == "confirmed"}
	return pg.render(w, http.StatusOK)
}

// confirmAllocation: POST /allocations/{id}/confirm — directions are issued.
func (f *Function) confirmAllocation(w http.ResponseWriter, r *http.Request) error {
	return f.act(w, r, "/allocations/%s", func(api *submitapplicationapi.Client, id uuid.UUID, _ url.Values) error {
		return api.ConfirmAllocation(r.Context(), id)
	})
}
