package portal

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	collegeapi "github.com/kuzbass/eko/functions/college/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/kuzbass"
)

// The colleges' admission pages. An applicant (or a parent) applies to a
// college whose campaign takes applications, sees the applications with
// where each stands in its specialties' lists, and gives or withdraws the
// one consent to enrol. A college's admissions office sees each
// specialty's ranked list with names, confirms certificates and issues the
// enrolment order. college decides everything with the user's token.

func (f *Function) mountAdmission(rt *httpx.Router) {
	rt.Handle(http.MethodGet, "/admission", auth.Authenticated, f.pageOf("admission", "Поступление в колледж", f.admissionPage))
	rt.Handle(http.MethodPost, "/admission/applications", auth.Authenticated, f.pageOf("admission", "Поступление в колледж", f.admissionApply))
	rt.Handle(http.MethodPost, "/admission/applications/{id}/consent", auth.Authenticated, f.pageOf("admission", "Поступление в колледж", f.admissionConsent))
	rt.Handle(http.MethodPost, "/admission/applications/{id}/consent/withdraw", auth.Authenticated,
		f.pageOf("admission", "Поступление в колледж", f.admissionWithdraw))
	rt.Handle(http.MethodGet, "/admission/office", auth.Authenticated, f.pageOf("admissionoffice", "Приёмная комиссия", f.admissionOffice))
	rt.Handle(http.MethodGet, "/admission/office/specialties/{id}", auth.Authenticated, f.pageOf("admissionlist", "Конкурсный список", f.admissionList))
	rt.Handle(http.MethodPost, "/admission/office/specialties/{id}/confirm", auth.Authenticated, f.pageOf("admissionlist", "Конкурсный список", f.admissionConfirm))
	rt.Handle(http.MethodPost, "/admission/office/specialties/{id}/order", auth.Authenticated, f.pageOf("admissionlist", "Конкурсный список", f.admissionOrder))
}

func (f *Function) admissionAPI() (*collegeapi.Client, error) {
	if f.college == nil {
		return nil, errs.User(errs.Unavailable, "Раздел приёма в колледжи сейчас недоступен.")
	}
	return f.college, nil
}

// admissionApplicant is a person the user applies for, and the applications.
type admissionApplicant struct {
	ID           uuid.UUID
	FullName     string
	Applications []applicationLine
}

// applicationLine is an application as its applicant sees it: the college
// named, and where it stands in each of its specialties' lists.
type applicationLine struct {
	collegeapi.Application
	College     string
	Choices     []choiceLine
	CanWithdraw bool // a consent given here, not yet enrolled
}

// choiceLine is one specialty of an application and its line in the list.
type choiceLine struct {
	Specialty  collegeapi.Specialty
	Line       collegeapi.Ranked
	Of         int  // the list's length
	Consent    bool // the consent is given to this specialty
	CanConsent bool // no consent given to this application and it is open
}

// admissionView is the data of «Поступление в колледж».
type admissionView struct {
	Applicants []admissionApplicant
	// Open are the colleges taking applications; College the one chosen
	// for the form, with its specialties.
	Open    []admissionCollege
	College *admissionCollege
	Form    map[string]string
	Notice  string
	Error   string
}

// admissionCollege is a college with an open campaign.
type admissionCollege struct {
	ID          uuid.UUID
	Name        string
	Campaign    collegeapi.Campaign
	Specialties []collegeapi.Specialty
	Slots       []string // the form's specialty fields, as many as the campaign allows
}

var admissionNotices = map[string]string{"applied": "Заявление подано.", "consent": "Согласие на зачисление дано.", "withdrawn": "Согласие отозвано."}

// admissionPage: GET /admission[?college=].
func (f *Function) admissionPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderAdmission(w, r, pg, http.StatusOK, admissionNotices[r.URL.Query().Get("done")], "", nil)
}

func (f *Function) renderAdmission(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem string, form map[string]string) error {
	ctx := r.Context()
	api, err := f.admissionAPI()
	if err != nil {
		return err
	}
	g, err := pg.withRoles()
	if err != nil {
		return err
	}
	me, err := f.registry.Me(ctx)
	if err != nil {
		return err
	}
	v := admissionView{Form: form, Notice: notice, Error: problem}
	names := map[uuid.UUID]string{}
	if v.Form == nil {
		v.Form = map[string]string{}
	}
	if me.Person != nil && slices.ContainsFunc(g.Grants, func(gr access.Grant) bool { return gr.Role == access.Student }) {
		v.Applicants = append(v.Applicants, admissionApplicant{ID: me.Person.ID, FullName: me.Person.FullName()})
	}
	for _, c := range me.Children {
		v.Applicants = append(v.Applicants, admissionApplicant{ID: c.ID, FullName: c.FullName()})
	}
	year := kuzbass.AcademicYearOf(f.Time()) + 1
	collegeName := func(id uuid.UUID) string {
		if n, ok := names[id]; ok {
			return n
		}
		names[id] = "колледж"
		if o, err := f.registry.Organisation(ctx, id); err == nil {
			names[id] = o.ShortName
		}
		return names[id]
	}
	for i := range v.Applicants {
		a := &v.Applicants[i]
		apps, err := api.ApplicationsOf(ctx, a.ID)
		if err != nil {
			return err
		}
		for _, app := range apps {
			open := app.Status == collegeapi.Submitted
			line := applicationLine{Application: app, College: collegeName(app.OrganisationID), CanWithdraw: open && app.ConsentTo != nil}
			for _, s := range app.Choices {
				l, err := api.List(ctx, s)
				if err != nil {
					return err
				}
				c := choiceLine{Specialty: l.Specialty, Of: len(l.Items), Consent: app.ConsentTo != nil && *app.ConsentTo == s, CanConsent: open && app.ConsentTo == nil}
				if k := slices.IndexFunc(l.Items, func(x collegeapi.Ranked) bool { return x.Number == app.Number }); k >= 0 {
					c.Line = l.Items[k]
				}
				line.Choices = append(line.Choices, c)
			}
			a.Applications = append(a.Applications, line)
		}
	}
	campaigns, err := api.Campaigns(ctx, year)
	if err != nil {
		return err
	}
	today := kuzbass.Date(f.Time()).Format(time.DateOnly)
	chosen := r.URL.Query().Get("college")
	if form != nil {
		chosen = form["college"]
	}
	for _, c := range campaigns {
		if c.OpensOn > today || c.ClosesOn < today {
			continue
		}
		ac := admissionCollege{ID: c.OrganisationID, Name: collegeName(c.OrganisationID), Campaign: c}
		if c.OrganisationID.String() == chosen {
			if ac.Specialties, err = api.Specialties(ctx, c.OrganisationID, year); err != nil {
				return err
			}
			for i := range c.MaxChoices {
				ac.Slots = append(ac.Slots, fmt.Sprintf("choice%d", i+1))
			}
			v.College = &ac
		}
		v.Open = append(v.Open, ac)
	}
	slices.SortFunc(v.Open, func(a, b admissionCollege) int { return strings.Compare(a.Name, b.Name) })
	pg.Data = v
	return pg.render(w, status)
}

// admissionStep posts one step of the applicant's and shows the page again:
// done, or the refusal in the page's words.
func (f *Function) admissionStep(w http.ResponseWriter, r *http.Request, pg *page, done string, fields []string,
	do func(api *collegeapi.Client, form map[string]string) error) error {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return err
	}
	var form map[string]string
	if fields != nil {
		form = map[string]string{}
		for _, k := range fields {
			form[k] = r.PostForm.Get(k)
		}
	}
	api, err := f.admissionAPI()
	if err != nil {
		return err
	}
	if err := do(api, form); err != nil {
		return refusedOn(err, func(status int, problem string) error { return f.renderAdmission(w, r, pg, status, "", problem, form) })
	}
	http.Redirect(w, r, "/admission?done="+done, http.StatusSeeOther)
	return nil
}

// admissionApply: POST /admission/applications (college, applicant_id,
// choice1..choice5, average_mark, certificate_number).
func (f *Function) admissionApply(w http.ResponseWriter, r *http.Request, pg *page) error {
	fields := []string{"college", "applicant_id", "choice1", "choice2", "choice3", "choice4", "choice5", "average_mark", "certificate_number"}
	return f.admissionStep(w, r, pg, "applied", fields, func(api *collegeapi.Client, form map[string]string) error {
		college, err1 := uuid.Parse(form["college"])
		applicant, err2 := uuid.Parse(form["applicant_id"])
		if err1 != nil || err2 != nil {
			return errs.User(errs.Invalid, "Выберите колледж и абитуриента.")
		}
		req := collegeapi.ApplicationRequest{OrganisationID: college, ApplicantID: applicant, AverageMark: form["average_mark"], CertificateNumber: form["certificate_number"]}
		for i := range 5 {
			k := fmt.Sprintf("choice%d", i+1)
			if id, err := uuid.Parse(form[k]); err == nil {
				req.Choices = append(req.Choices, id)
			}
		}
		_, err := api.Apply(r.Context(), req)
		return err
	})
}

// admissionConsent: POST /admission/applications/{id}/consent (specialty_id).
func (f *Function) admissionConsent(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.admissionStep(w, r, pg, "consent", nil, func(api *collegeapi.Client, _ map[string]string) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		s, err := uuid.Parse(r.PostForm.Get("specialty_id"))
		if err != nil {
			return errs.User(errs.Invalid, "Выберите специальность.")
		}
		_, err = api.Consent(r.Context(), id, s)
		return err
	})
}

// admissionWithdraw: POST /admission/applications/{id}/consent/withdraw.
func (f *Function) admissionWithdraw(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.admissionStep(w, r, pg, "withdrawn", nil, func(api *collegeapi.Client, _ map[string]string) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		_, err = api.WithdrawConsent(r.Context(), id)
		return err
	})
}

// officeView is the data of «Приёмная комиссия»: the colleges whose
// admissions the user runs, each with its specialties.
type officeView struct {
	Colleges []admissionCollege
}

// admissionOffice: GET /admission/office.
func (f *Function) admissionOffice(w http.ResponseWriter, r *http.Request, pg *page) error {
	ctx := r.Context()
	api, err := f.admissionAPI()
	if err != nil {
		return err
	}
	acc, err := pg.Admission()
	if err != nil {
		return err
	}
	if len(acc.Offices) == 0 {
		return errs.User(errs.NotFound, "Вы не работаете в приёмной комиссии колледжа.")
	}
	year := kuzbass.AcademicYearOf(f.Time()) + 1
	var v officeView
	for _, id := range acc.Offices {
		c := admissionCollege{ID: id, Name: "колледж"}
		if o, err := f.registry.Organisation(ctx, id); err == nil {
			c.Name = o.ShortName
		}
		if c.Specialties, err = api.Specialties(ctx, id, year); err != nil {
			return err
		}
		v.Colleges = append(v.Colleges, c)
	}
	pg.Data = v
	return pg.render(w, http.StatusOK)
}

// listView is the data of a specialty's list for its admissions office:
// the public list's lines with the applicants' names.
type listView struct {
	L      collegeapi.AdmissionList
	Lines  []listLine
	Order  *collegeapi.Order
	Group  string
	Notice string
	Error  string
}

// listLine is a line of the list with whom it is about.
type listLine struct {
	collegeapi.Ranked
	ApplicationID uuid.UUID
	FullName      string
}

var listNotices = map[string]string{"confirmed": "Средний балл подтверждён.", "ordered": "Приказ о зачислении издан."}

// admissionList: GET /admission/office/specialties/{id}.
func (f *Function) admissionList(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderList(w, r, pg, http.StatusOK, listNotices[r.URL.Query().Get("done")], "", "")
}

func (f *Function) renderList(w http.ResponseWriter, r *http.Request, pg *page, status int, notice, problem, group string) error {
	ctx := r.Context()
	api, err := f.admissionAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := api.List(ctx, id)
	if err != nil {
		return err
	}
	// The names are the office's to see: its own list of applications.
	apps, err := api.Applications(ctx, l.Specialty.OrganisationID, l.Specialty.AcademicYear)
	if err != nil {
		return err
	}
	byNumber := make(map[string]collegeapi.Application, len(apps))
	for _, a := range apps {
		byNumber[a.Number] = a
	}
	v := listView{L: l, Notice: notice, Error: problem, Group: group}
	for _, x := range l.Items {
		a := byNumber[x.Number]
		v.Lines = append(v.Lines, listLine{Ranked: x, ApplicationID: a.ID, FullName: a.FullName})
	}
	orders, err := api.Orders(ctx, l.Specialty.OrganisationID, l.Specialty.AcademicYear)
	if err != nil {
		return err
	}
	for i := range orders {
		if orders[i].SpecialtyID == id {
			v.Order = &orders[i]
		}
	}
	pg.Title = l.Specialty.Code + " " + l.Specialty.Title
	pg.Data = v
	return pg.render(w, status)
}

// listStep posts one step of the office's and shows the list again.
func (f *Function) listStep(w http.ResponseWriter, r *http.Request, pg *page, done string, do func(api *collegeapi.Client, specialty uuid.UUID) error) error {
	return postStep(f, w, r, f.admissionAPI, do, func(status int, problem string) error {
		return f.renderList(w, r, pg, status, "", problem, r.PostForm.Get("group_name"))
	}, func(id uuid.UUID) string { return "/admission/office/specialties/" + id.String() + "?done=" + done })
}

// admissionConfirm: POST /admission/office/specialties/{id}/confirm
// (application_id, average_mark).
func (f *Function) admissionConfirm(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.listStep(w, r, pg, "confirmed", func(api *collegeapi.Client, _ uuid.UUID) error {
		app, err := uuid.Parse(r.PostForm.Get("application_id"))
		if err != nil {
			return errs.User(errs.NotFound, "Заявление не найдено.")
		}
		_, err = api.Confirm(r.Context(), app, r.PostForm.Get("average_mark"))
		return err
	})
}

// admissionOrder: POST /admission/office/specialties/{id}/order (group_name).
func (f *Function) admissionOrder(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.listStep(w, r, pg, "ordered", func(api *collegeapi.Client, specialty uuid.UUID) error {
		_, err := api.Enrol(r.Context(), collegeapi.OrderRequest{SpecialtyID: specialty, GroupName: r.PostForm.Get("group_name")})
		return err
	})
}
