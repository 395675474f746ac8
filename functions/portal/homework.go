package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"
	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// The homework pages: a pupil's (and a parent's) list of homework by what is
// to be done; one homework — the task, the teacher's files, and either the
// pupil's work (text, files uploaded from the browser straight to the object
// store with progress, submit, take back, the receipts, the reviews) or, for
// its teacher, the class's work; the review queue, worked from the keyboard;
// the issue form of a lesson. issue-homework decides everything with the
// user's token; the portal only renders its answers.

func (f *Function) mountHomework(rt *httpx.Router) {
	rt.Handle(http.MethodGet, "/homework", auth.Authenticated, f.pageOf("homeworklist", "Домашние задания", f.homeworkList))
	rt.Handle(http.MethodGet, "/homework/{id}", auth.Authenticated, f.pageOf("homework", "Домашнее задание", f.homeworkPage))
	rt.Handle(http.MethodPost, "/homework/{id}/work", auth.Authenticated, f.pageOf("homework", "Домашнее задание", f.saveWork))
	rt.Handle(http.MethodPost, "/homework/{id}/uploads", auth.Authenticated, f.uploadTicket)
	rt.Handle(http.MethodPost, "/homework/{id}/change", auth.Authenticated, f.pageOf("homework", "Домашнее задание", f.changeHomework))
	rt.Handle(http.MethodGet, "/homework/{id}/review", auth.Authenticated, f.pageOf("review", "Проверка работ", f.reviewQueue))
	rt.Handle(http.MethodPost, "/homework/submissions/{id}/review", auth.Authenticated, f.pageOf("review", "Проверка работ", f.reviewWork))
	rt.Handle(http.MethodPost, "/homework/files/{id}/confirm", auth.Authenticated, f.confirmUpload)
	rt.Handle(http.MethodPost, "/homework/files/{id}/remove", auth.Authenticated, f.pageOf("homework", "Домашнее задание", f.removeFile))
	rt.Handle(http.MethodGet, "/homework/files/{id}/download", auth.Authenticated, f.downloadFile)
	rt.Handle(http.MethodGet, "/journal/lessons/{id}/homework", auth.Authenticated, f.pageOf("issue", "Задать домашнее задание", f.issueForm))
	rt.Handle(http.MethodPost, "/journal/lessons/{id}/homework", auth.Authenticated, f.pageOf("issue", "Задать домашнее задание", f.issueHomework))
}

// homeworkAPI is the issue-homework API, or 503 when the portal was deployed without it.
func (f *Function) homeworkAPI() (*issuehomeworkapi.Client, error) {
	if f.homework == nil {
		return nil, errs.User(errs.Unavailable, "Домашние задания сейчас недоступны.")
	}
	return f.homework, nil
}

// homeworkOf is the issue-homework client and the {id} of a homework page.
func (f *Function) homeworkOf(r *http.Request) (*issuehomeworkapi.Client, uuid.UUID, error) {
	api, err := f.homeworkAPI()
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := pathID(r)
	return api, id, err
}

// homeworkForm checks a form posted to a homework page (its origin and
// token) and returns the issue-homework client and the {id} it names.
func (f *Function) homeworkForm(w http.ResponseWriter, r *http.Request) (*issuehomeworkapi.Client, uuid.UUID, error) {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return nil, uuid.Nil, err
	}
	return f.homeworkOf(r)
}

// subjectNames names subjects by the regional catalogue; a subject it does
// not know (or a journal that does not answer) is «Предмет».
func (f *Function) subjectNames(r *http.Request) func(uuid.UUID) string {
	names := map[uuid.UUID]string{}
	if f.journal != nil {
		if list, err := f.journal.Subjects(r.Context()); err == nil {
			for _, s := range list {
				names[s.ID] = s.Name
			}
		}
	}
	return func(id uuid.UUID) string {
		if n := names[id]; n != "" {
			return n
		}
		return "Предмет"
	}
}

// homeworkItem is one homework of a list, with its subject named.
type homeworkItem struct {
	issuehomeworkapi.Homework
	Subject string
	Overdue bool
	Mark    *int
}

// pupilHomework is one pupil's list, in the groups people look for.
type pupilHomework struct {
	PupilID  uuid.UUID
	Name     string // empty: the user's own
	Own      bool
	Returned []homeworkItem // returned for rework
	Due      []homeworkItem // to do, due time ahead
	Overdue  []homeworkItem // to do, due time passed
	Waiting  []homeworkItem // submitted, not yet reviewed
	Done     []homeworkItem // accepted (with the mark, when marked) or nothing to hand in
}

// homeworkList: GET /homework — the homework of the pupils the user follows
// (oneself, the children): returned, due, overdue, waiting for review, done.
func (f *Function) homeworkList(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, err := f.homeworkAPI()
	if err != nil {
		return err
	}
	acc, err := pg.Homework()
	if err != nil {
		return err
	}
	if len(acc.Pupils) == 0 && !acc.Issues {
		return errs.User(errs.NotFound, "Не найдено.")
	}
	g, err := pg.Grants()
	if err != nil {
		return err
	}
	subject := f.subjectNames(r)
	now := f.Time()
	var lists []pupilHomework
	for _, pupil := range acc.Pupils {
		items, err := api.Pupil(r.Context(), pupil)
		if err != nil {
			return err
		}
		l := pupilHomework{PupilID: pupil, Own: pupil.String() == g.PersonID, Name: childNameOf(g.Grants, pupil.String())}
		for _, h := range items {
			if h.Status != "issued" {
				continue
			}
			it := homeworkItem{Homework: h, Subject: subject(h.SubjectID)}
			s := h.Submission
			if s != nil && len(s.Reviews) > 0 {
				it.Mark = s.Reviews[0].Mark
			}
			switch {
			case s != nil && s.State == issuehomeworkapi.Returned:
				l.Returned = append(l.Returned, it)
			case s != nil && s.State == issuehomeworkapi.Submitted:
				l.Waiting = append(l.Waiting, it)
			case s != nil && s.State == issuehomeworkapi.Accepted, !h.SubmissionExpected && h.DueAt.Before(now):
				l.Done = append(l.Done, it)
			case h.DueAt.Before(now):
				it.Overdue = true
				l.Overdue = append(l.Overdue, it)
			default:
				l.Due = append(l.Due, it)
			}
		}
		slices.Reverse(l.Done) // the latest first
		lists = append(lists, l)
	}
	pg.Data = struct {
		Pupils []pupilHomework
		Issues bool
	}{lists, acc.Issues}
	return pg.render(w, http.StatusOK)
}

// workRow is one pupil's line of a homework's class list.
type workRow struct {
	issuehomeworkapi.Submission
	Name string
	Mark *int
}

// homeworkView is the data of one homework's page.
type homeworkView struct {
	Homework issuehomeworkapi.Homework
	Subject  string
	// Pupil's work: the user's own (Own) or a child's; nil for the teacher.
	Work     *issuehomeworkapi.Submission
	Own      bool
	PupilArg string // ?pupil= of the links, for a parent
	MayWork  bool   // the pupil may still change and submit the work (nothing yet, a draft, returned)
	// The class's work, for its teacher and the school's readers.
	Class    []workRow
	Counts   map[string]int
	Reviews  bool // the user reviews this homework
	Attach   bool // the user may add files to the task
	Error    string
	Notice   string
	Text     string // the work's text as typed, when a refused form comes back
	Accepted []string
	// The change form's due time and cut-off, as datetime-local in Kemerovo.
	DueInput, CutoffInput string
}

// homeworkPage: GET /homework/{id}[?pupil=] — the homework as the user may
// see it.
func (f *Function) homeworkPage(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderHomework(w, r, pg, http.StatusOK, "")
}

func (f *Function) renderHomework(w http.ResponseWriter, r *http.Request, pg *page, status int, problem string) error {
	api, id, err := f.homeworkOf(r)
	if err != nil {
		return err
	}
	var h issuehomeworkapi.Homework
	pupilArg := r.URL.Query().Get("pupil")
	if p, perr := uuid.Parse(pupilArg); perr == nil {
		h, err = api.PupilHomework(r.Context(), id, p)
	} else {
		pupilArg = ""
		h, err = api.Homework(r.Context(), id)
	}
	if err != nil {
		return err
	}
	g, err := pg.Grants()
	if err != nil {
		return err
	}
	d := homeworkView{Homework: h, Subject: f.subjectNames(r)(h.SubjectID), Error: problem, Attach: h.MayEdit,
		Accepted: uploadTypes}
	d.Notice = doneNotices[r.URL.Query().Get("done")]
	d.DueInput, d.CutoffInput = localInput(&h.DueAt), localInput(h.CutoffAt)
	if s := h.Submission; s != nil {
		d.Work, d.PupilArg = s, pupilArg
		d.Own = s.PupilID.String() == g.PersonID
		d.MayWork = d.Own && h.Status == "issued" && h.SubmissionExpected &&
			(s.State == issuehomeworkapi.Assigned || s.State == issuehomeworkapi.Draft || s.State == issuehomeworkapi.Returned)
		d.Text = s.Text
		if r.Method == http.MethodPost {
			d.Text = r.PostForm.Get("text")
		}
	} else if cw, err := api.ClassWork(r.Context(), id); err == nil {
		d.Reviews, d.Counts = true, map[string]int{}
		name, err := f.pupilNames(pg, h.OrganisationID, h.ClassID)
		if err != nil {
			return err
		}
		for _, s := range cw.Pupils {
			row := workRow{Submission: s, Name: name(s.PupilID)}
			if len(s.Reviews) > 0 {
				row.Mark = s.Reviews[0].Mark
			}
			d.Class = append(d.Class, row)
			d.Counts[s.State]++
			if s.Late && s.State == issuehomeworkapi.Submitted {
				d.Counts["late"]++
			}
		}
		slices.SortStableFunc(d.Class, func(a, b workRow) int { return strings.Compare(a.Name, b.Name) })
	} else if _, refused := errs.As(err); !refused {
		return err
	}
	pg.Title = "Задание: " + d.Subject
	pg.Data = d
	return pg.render(w, status)
}

// doneNotices say what the step a homework page was sent back from did
// (?done=).
var doneNotices = map[string]string{
	"saved":      "Черновик сохранён.",
	"submitted":  "Работа сдана. Квитанция — ниже.",
	"taken-back": "Работа забрана; её можно изменить и сдать снова.",
	"issued":     "Задание выдано. Можно прикрепить файлы.",
	"changed":    "Задание изменено; прежний текст сохранён в истории.",
	"cancelled":  "Задание отменено.",
	"removed":    "Файл убран.",
}

// localInput is t as a datetime-local input shows it, in the region's
// time; "" for none.
func localInput(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(kemerovo).Format("2006-01-02T15:04")
}

// uploadTypes are the types offered by the file picker: the allow-list of
// issue-homework, which decides.
var uploadTypes = []string{".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".txt", ".doc", ".docx", ".xls", ".xlsx",
	".ppt", ".pptx", ".odt", ".ods", ".odp", ".rtf", ".zip", ".rar", ".7z"}

// saveWork: POST /homework/{id}/work — the pupil saves the work's text
// (action save), submits it (submit: what was typed saved first) or takes
// it back (take-back); the page then shows the receipt or what was refused.
func (f *Function) saveWork(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.homeworkForm(w, r)
	if err != nil {
		return err
	}
	form := r.PostForm
	version, _ := strconv.Atoi(form.Get("version"))
	ctx := r.Context()
	var done string
	switch form.Get("action") {
	case "save", "submit":
		done = "saved"
		if text := form.Get("text"); text != form.Get("text_was") || version == 0 {
			h, err := api.SaveDraft(ctx, id, issuehomeworkapi.DraftRequest{Text: text, Version: version})
			if err != nil {
				return f.refusedWork(w, r, pg, err)
			}
			version = h.Submission.Version
		}
		if form.Get("action") == "submit" {
			if _, err := api.Submit(ctx, id, version); err != nil {
				return f.refusedWork(w, r, pg, err)
			}
			done = "submitted"
		}
	case "take-back":
		if _, err := api.TakeBack(ctx, id, version); err != nil {
			return f.refusedWork(w, r, pg, err)
		}
		done = "taken-back"
	default:
		return errs.User(errs.Invalid, "Неизвестное действие.")
	}
	http.Redirect(w, r, "/homework/"+id.String()+"?done="+done, http.StatusSeeOther)
	return nil
}

// refusedWork shows the homework again with a refusal the pupil can act on
// (the typed text kept); anything else is the error page.
func (f *Function) refusedWork(w http.ResponseWriter, r *http.Request, pg *page, err error) error {
	e, ok := formRefusal(err)
	if !ok {
		return err
	}
	return f.renderHomework(w, r, pg, httpx.Status(e.Code), shownDetail(e))
}

// formRefusal is err when it refuses what a form sent (invalid, stale, or
// not allowed by the homework's state): the form comes back with it.
func formRefusal(err error) (*errs.Error, bool) {
	e, ok := errs.As(err)
	return e, ok && (e.Code == errs.Invalid || e.Code == errs.Conflict || e.Code == errs.Unprocessable)
}

// changeHomework: POST /homework/{id}/change — its teacher changes the text,
// the due time or the cut-off (action change) or cancels it with a reason
// (action cancel), before the due time; the earlier state is kept.
func (f *Function) changeHomework(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.homeworkForm(w, r)
	if err != nil {
		return err
	}
	form := r.PostForm
	version, _ := strconv.Atoi(form.Get("version"))
	done := "changed"
	if form.Get("action") == "cancel" {
		_, err = api.Cancel(r.Context(), id, issuehomeworkapi.CancelRequest{Version: version, Reason: form.Get("reason")})
		done = "cancelled"
	} else {
		_, err = api.Change(r.Context(), id, issuehomeworkapi.HomeworkRequest{Text: form.Get("text"), DueAt: form.Get("due_at"),
			CutoffAt: form.Get("cutoff_at"), MarkKind: form.Get("mark_kind"), Version: version})
	}
	if err != nil {
		return f.refusedWork(w, r, pg, err)
	}
	http.Redirect(w, r, "/homework/"+id.String()+"?done="+done, http.StatusSeeOther)
	return nil
}

// uploadTicket: POST /homework/{id}/uploads (for=work|material, name,
// content_type, size) — a ticket to put one file straight into the object
// store, for the page's script: the pupil's work or the teacher's task.
// Answers JSON (problem+json when refused).
func (f *Function) uploadTicket(w http.ResponseWriter, r *http.Request) error {
	api, id, err := f.homeworkForm(w, r)
	if err != nil {
		return err
	}
	form := r.PostForm
	size, err := strconv.ParseInt(form.Get("size"), 10, 64)
	if err != nil {
		return errs.User(errs.Invalid, "Размер файла не указан.")
	}
	req := issuehomeworkapi.UploadRequest{Name: form.Get("name"), ContentType: form.Get("content_type"), Size: size}
	var t issuehomeworkapi.UploadTicket
	if form.Get("for") == "material" {
		t, err = api.Attach(r.Context(), id, req)
	} else {
		t, err = api.Upload(r.Context(), id, req)
	}
	return httpx.Reply(w, http.StatusCreated, t, err)
}

// confirmUpload: POST /homework/files/{id}/confirm — the page's script says
// the file is in the store; issue-homework checks its bytes. JSON.
func (f *Function) confirmUpload(w http.ResponseWriter, r *http.Request) error {
	api, id, err := f.homeworkForm(w, r)
	if err != nil {
		return err
	}
	file, err := api.Confirm(r.Context(), id)
	return httpx.Reply(w, http.StatusOK, file, err)
}

// removeFile: POST /homework/files/{id}/remove (homework) — the one who
// uploaded a file takes it away (a pupil's work not yet submitted, the
// task's files before the due time); back to the homework's page.
func (f *Function) removeFile(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.homeworkForm(w, r)
	if err != nil {
		return err
	}
	hw, err := uuid.Parse(r.PostForm.Get("homework"))
	if err != nil {
		return errs.User(errs.Invalid, "Форма не прочитана.")
	}
	if err := api.RemoveFile(r.Context(), id); err != nil {
		if _, ok := formRefusal(err); !ok {
			return err
		}
		// The homework's page says why, as it stands now.
		r.SetPathValue("id", hw.String())
		return f.refusedWork(w, r, pg, err)
	}
	http.Redirect(w, r, "/homework/"+hw.String()+"?done=removed", http.StatusSeeOther)
	return nil
}

// downloadFile: GET /homework/files/{id}/download — to the file, by a link
// issue-homework signs once it has checked the user may read it.
func (f *Function) downloadFile(w http.ResponseWriter, r *http.Request) error {
	api, id, err := f.homeworkOf(r)
	if err != nil {
		return err
	}
	d, err := api.Download(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, d.URL, http.StatusSeeOther)
	return nil
}

// reviewView is the data of the review queue.
type reviewView struct {
	Homework issuehomeworkapi.Homework
	Subject  string
	Queue    []workRow // submitted, waiting for review
	Reviewed []workRow // returned or accepted
	Missing  []workRow // not submitted
	Error    string
	ErrorFor string // the submission the error is about
	Done     string // the submission just reviewed
}

// reviewQueue: GET /homework/{id}/review — the submitted works one under the
// other, worked from the keyboard: ↓/↑ (or j/k) from work to work, the mark
// typed, Enter accepts, the comment and «Вернуть» return it for rework.
func (f *Function) reviewQueue(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderQueue(w, r, pg, http.StatusOK, "", "")
}

func (f *Function) renderQueue(w http.ResponseWriter, r *http.Request, pg *page, status int, problem, about string) error {
	api, err := f.homeworkAPI()
	if err != nil {
		return err
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if r.Method == http.MethodPost {
		id, err = uuid.Parse(r.PostForm.Get("homework"))
	}
	if err != nil {
		return errs.User(errs.NotFound, "Не найдено.")
	}
	cw, err := api.ClassWork(r.Context(), id)
	if err != nil {
		return notFoundIfRefused(err)
	}
	name, err := f.pupilNames(pg, cw.Homework.OrganisationID, cw.Homework.ClassID)
	if err != nil {
		return err
	}
	d := reviewView{Homework: cw.Homework, Subject: f.subjectNames(r)(cw.Homework.SubjectID), Error: problem, ErrorFor: about,
		Done: r.URL.Query().Get("reviewed")}
	for _, s := range cw.Pupils {
		row := workRow{Submission: s, Name: name(s.PupilID)}
		if len(s.Reviews) > 0 {
			row.Mark = s.Reviews[0].Mark
		}
		switch s.State {
		case issuehomeworkapi.Submitted:
			d.Queue = append(d.Queue, row)
		case issuehomeworkapi.Returned, issuehomeworkapi.Accepted:
			d.Reviewed = append(d.Reviewed, row)
		default:
			d.Missing = append(d.Missing, row)
		}
	}
	for _, l := range [][]workRow{d.Queue, d.Reviewed, d.Missing} {
		slices.SortStableFunc(l, func(a, b workRow) int { return strings.Compare(a.Name, b.Name) })
	}
	pg.Data = d
	return pg.render(w, status)
}

// reviewWork: POST /homework/submissions/{id}/review — the teacher returns
// a work with a comment or accepts it (with the mark, when the homework is
// marked); back to the queue, at the next work.
func (f *Function) reviewWork(w http.ResponseWriter, r *http.Request, pg *page) error {
	api, id, err := f.homeworkForm(w, r)
	if err != nil {
		return err
	}
	form := r.PostForm
	version, _ := strconv.Atoi(form.Get("version"))
	req := issuehomeworkapi.ReviewRequest{Decision: form.Get("decision"), Comment: form.Get("comment"), Version: version}
	if m := strings.TrimSpace(form.Get("mark")); m != "" && req.Decision == issuehomeworkapi.Accept {
		v, err := strconv.Atoi(m)
		if err != nil {
			return f.renderQueue(w, r, pg, http.StatusBadRequest, "Оценка — число от 1 до 5.", id.String())
		}
		req.Mark = &v
	}
	if _, err := api.Review(r.Context(), id, req); err != nil {
		e, ok := formRefusal(err)
		if !ok {
			return err
		}
		return f.renderQueue(w, r, pg, httpx.Status(e.Code), shownDetail(e), id.String())
	}
	http.Redirect(w, r, "/homework/"+url.PathEscape(form.Get("homework"))+"/review?reviewed="+id.String(), http.StatusSeeOther)
	return nil
}

// issueView is the data of the issue form.
type issueView struct {
	LessonID   uuid.UUID
	LessonDate string
	Pupils     []lessonRow
	Kinds      []postgradeapi.MarkKind
	Form       url.Values
	Error      string
	Fields     map[string]string
}

// issueForm: GET /journal/lessons/{id}/homework — the form to issue homework
// due by the lesson: the text, the due time (by default the lesson's day,
// 08:00), a late cut-off, whether work is handed in and marked, for the
// class or chosen pupils.
func (f *Function) issueForm(w http.ResponseWriter, r *http.Request, pg *page) error {
	return f.renderIssue(w, r, pg, http.StatusOK, "", nil)
}

func (f *Function) renderIssue(w http.ResponseWriter, r *http.Request, pg *page, status int, problem string, fields map[string]string) error {
	api, id, err := f.journalPage(r)
	if err != nil {
		return err
	}
	j, err := api.Journal(r.Context(), id)
	if err != nil {
		return err
	}
	if !j.MayEdit {
		return errs.User(errs.NotFound, "Не найдено.")
	}
	name, err := f.pupilNames(pg, j.OrganisationID, j.Lesson.ClassID)
	if err != nil {
		return err
	}
	d := issueView{LessonID: id, LessonDate: j.Lesson.Date, Error: problem, Fields: fields, Form: r.PostForm}
	for _, s := range j.Students {
		d.Pupils = append(d.Pupils, lessonRow{JournalStudent: s, Name: name(s.StudentID)})
	}
	slices.SortFunc(d.Pupils, func(a, b lessonRow) int { return strings.Compare(a.Name, b.Name) })
	d.Kinds = postgradeapi.MarkKinds
	if d.Form == nil {
		d.Form = url.Values{"due_at": {j.Lesson.Date + "T08:00"}, "submission_expected": {"1"}, "mark_kind": {"homework"}}
	}
	pg.Title = "Задание к уроку " + j.Lesson.Date
	pg.Data = d
	return pg.render(w, status)
}

// issueHomework: POST /journal/lessons/{id}/homework — issues it; then the
// homework's page, where the teacher attaches files.
func (f *Function) issueHomework(w http.ResponseWriter, r *http.Request, pg *page) error {
	if err := f.checkForm(w, r, sessionFrom(r.Context())); err != nil {
		return err
	}
	api, err := f.homeworkAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	form := r.PostForm
	expected, marked := form.Get("submission_expected") == "1", form.Get("marked") == "1"
	req := issuehomeworkapi.HomeworkRequest{LessonID: id.String(), Text: form.Get("text"), DueAt: form.Get("due_at"),
		CutoffAt: form.Get("cutoff_at"), SubmissionExpected: &expected, Marked: &marked, Pupils: form["pupil"]}
	if marked {
		req.MarkKind = form.Get("mark_kind")
	}
	h, err := api.Issue(r.Context(), req)
	if err != nil {
		e, ok := formRefusal(err)
		if !ok {
			return err
		}
		fields := map[string]string{}
		for _, fe := range e.Fields {
			key, _, _ := strings.Cut(fe.Field, "[")
			fields[key] = fe.Message
		}
		return f.renderIssue(w, r, pg, httpx.Status(e.Code), shownDetail(e), fields)
	}
	http.Redirect(w, r, "/homework/"+h.ID.String()+"?done=issued", http.StatusSeeOther)
	return nil
}
