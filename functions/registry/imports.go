package registry

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/csvtable"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// MaxImportBytes bounds an import file; a larger one is refused before it is read.
const MaxImportBytes = 50 << 20

// importColumns are the required and optional columns of each kind.
var importColumns = map[string]csvtable.Columns{
	"people":        {Required: []string{"family_name", "given_name", "birth_date", "gender"}, Optional: []string{"middle_name", "snils", "doc_type", "doc_series", "doc_number", "email", "phone"}},
	"organisations": {Required: []string{"kind", "full_name", "short_name", "inn", "ogrn", "municipality"}, Optional: []string{"code", "address"}},
	"enrollments":   {Required: []string{"snils", "organisation", "academic_year", "starts_on"}, Optional: []string{"class", "ends_on"}},
}

// importFile: POST /api/registry/imports/{kind} — a CSV file of organisations,
// people or enrollments. Every row is validated; if any row is wrong the answer
// is 422 with a per-row report and nothing is written; otherwise everything is
// written in one transaction with COPY.
func (f *Function) importFile(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	if _, ok := importColumns[kind]; !ok {
		return errs.E(errs.NotFound, "no import of %q: organisations, people or enrollments", kind)
	}
	body, charset, err := csvtable.ReadBody(w, r, MaxImportBytes)
	if err != nil {
		return err
	}
	t, err := csvtable.Read(body, charset, importColumns[kind])
	if err != nil {
		return err
	}
	var n int
	switch kind {
	case "people":
		n, err = f.importPeople(r, t)
	case "organisations":
		n, err = f.importOrganisations(r, t)
	case "enrollments":
		n, err = f.importEnrollments(r, t)
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"kind": kind, "rows": len(t.Rows), "created": n})
	return nil
}

func (f *Function) importPeople(r *http.Request, t *csvtable.Table) (int, error) {
	ctx := r.Context()
	var rp csvtable.Report
	today := f.Time()
	type pending struct {
		id   uuid.UUID
		line int
		row  []any
		hash []byte
	}
	var list []pending
	seenSNILS := map[string]int{}
	for i, row := range t.Rows {
		line := i + 2
		birth := t.Get(row, "birth_date")
		if d, ok := csvtable.ParseDate(birth); ok {
			birth = d.Format(time.DateOnly)
		}
		gender := strings.ToUpper(t.Get(row, "gender"))
		gender = map[string]string{"М": "M", "Ж": "F"}[gender] + strings.Trim(gender, "МЖ")
		in := registryapi.PersonInput{FamilyName: t.Get(row, "family_name"), GivenName: t.Get(row, "given_name"), MiddleName: t.Get(row, "middle_name"),
			BirthDate: birth, Gender: gender, SNILS: t.Get(row, "snils"), Email: t.Get(row, "email"), Phone: t.Get(row, "phone"), ConfirmNotDuplicate: true}
		if dt := t.Get(row, "doc_type"); dt != "" {
			in.Document = &registryapi.Document{Type: dt, Series: t.Get(row, "doc_series"), Number: t.Get(row, "doc_number")}
		}
		if strings.ContainsAny(in.FamilyName+in.GivenName+in.MiddleName, "\x00") {
			rp.Add(line, "family_name", errs.Format, "недопустимые символы")
			continue
		}
		id, _ := uuid.NewV7()
		vals, err := PersonRow(f.pdata, id, in, nil, today)
		if err != nil {
			if e, ok := errs.As(err); ok {
				for _, fe := range e.Fields {
					rp.Add(line, fe.Field, fe.Code, fe.Message)
				}
				continue
			}
			return 0, err
		}
		hash, _ := vals[7].([]byte)
		if hash != nil {
			key := string(hash)
			if first, dup := seenSNILS[key]; dup {
				rp.Add(line, "snils", csvtable.ReasonRepeated, "этот СНИЛС уже есть в строке "+strconv.Itoa(first))
				continue
			}
			seenSNILS[key] = line
		}
		list = append(list, pending{id: id, line: line, row: vals, hash: hash})
	}
	if rp.Clean() { // conflicts with people already in the registry, in one query
		var hashes [][]byte
		for _, p := range list {
			if p.hash != nil {
				hashes = append(hashes, p.hash)
			}
		}
		rows, err := f.db.Query(ctx, `SELECT snils_hash FROM registry.people WHERE snils_hash = ANY($1)`, hashes)
		if err != nil {
			return 0, err
		}
		taken, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return 0, err
		}
		exists := map[string]bool{}
		for _, h := range taken {
			exists[string(h)] = true
		}
		for _, p := range list {
			if p.hash != nil && exists[string(p.hash)] {
				rp.Add(p.line, "snils", csvtable.ReasonExists, "человек с таким СНИЛС уже есть в реестре")
			}
		}
	}
	if err := rp.Err(len(t.Rows)); err != nil {
		return 0, err
	}
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		rows := make([][]any, len(list))
		evs := make([]outbox.Event, len(list))
		entries := make([]audit.Entry, len(list))
		base := f.auditEntry(r, uuid.Nil, "create", "registry.import", []string{"profile"})
		for i, p := range list {
			rows[i] = p.row
			evs[i] = outbox.Event{Type: registryapi.EventPersonCreated, Source: source, Subject: p.id.String(),
				Data: registryapi.PersonEvent{PersonID: p.id.String(), Fields: []string{"family_name", "given_name", "birth_date", "gender"}}}
			e := base
			e.SubjectPersonID = p.id
			entries[i] = e
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"registry", "people"}, PersonColumns, pgx.CopyFromRows(rows)); err != nil {
			if db.IsUniqueViolation(err, "") {
				return errs.User(errs.Conflict, "за время загрузки в реестре появились люди с теми же СНИЛС; загрузите файл снова")
			}
			return err
		}
		if err := f.outbox.EnqueueMany(ctx, tx, evs); err != nil {
			return err
		}
		return audit.AppendBulk(ctx, tx, entries)
	})
	return len(list), err
}

func (f *Function) importOrganisations(r *http.Request, t *csvtable.Table) (int, error) {
	ctx := r.Context()
	var rp csvtable.Report
	muns := map[string]uuid.UUID{}
	rows, err := f.db.Query(ctx, `SELECT code, id FROM registry.municipalities`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var code string
		var id uuid.UUID
		if err := rows.Scan(&code, &id); err != nil {
			return 0, err
		}
		muns[code] = id
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var out [][]any
	seen := map[string]int{}
	var inns, ogrns []string
	lines := map[string]int{}
	for i, row := range t.Rows {
		line := i + 2
		in := registryapi.OrganisationInput{Code: t.Get(row, "code"), Kind: t.Get(row, "kind"), FullName: t.Get(row, "full_name"), ShortName: t.Get(row, "short_name"),
			INN: t.Get(row, "inn"), OGRN: t.Get(row, "ogrn"), Address: t.Get(row, "address")}
		mun, ok := muns[t.Get(row, "municipality")]
		if ok {
			in.MunicipalityID = &mun
		} else if in.Kind != "ministry" {
			rp.Add(line, "municipality", errs.Unknown, "нет муниципального образования с кодом «"+t.Get(row, "municipality")+"»")
			continue
		}
		if fe := validateOrganisation(&in); len(fe) > 0 {
			for _, e := range fe {
				rp.Add(line, e.Field, e.Code, e.Message)
			}
			continue
		}
		target := access.Target{}
		if in.MunicipalityID != nil {
			target.MunicipalityIDs = []string{in.MunicipalityID.String()}
		}
		if Rules.Require(ctx, PermOrganisationWrite, target) != nil {
			rp.Add(line, "municipality", csvtable.ReasonNotYours, "нет прав на организации этого муниципального образования")
			continue
		}
		dup := false
		for _, k := range []string{"inn:" + in.INN, "ogrn:" + in.OGRN, "code:" + in.Code} {
			if k == "code:" {
				continue
			}
			if first, ok := seen[k]; ok {
				rp.Add(line, strings.SplitN(k, ":", 2)[0], csvtable.ReasonRepeated, "повтор строки "+strconv.Itoa(first))
				dup = true
			}
			seen[k] = line
		}
		if dup {
			continue
		}
		inns, ogrns = append(inns, in.INN), append(ogrns, in.OGRN)
		lines[in.INN], lines[in.OGRN] = line, line
		id, _ := uuid.NewV7()
		var code any
		if in.Code != "" {
			code = in.Code
		}
		out = append(out, []any{id, code, in.Kind, in.FullName, in.ShortName, in.INN, in.OGRN, in.Address, in.MunicipalityID})
	}
	if rp.Clean() {
		rows, err := f.db.Query(ctx, `SELECT inn, ogrn FROM registry.organisations WHERE inn = ANY($1) OR ogrn = ANY($2)`, inns, ogrns)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var inn, ogrn string
			if err := rows.Scan(&inn, &ogrn); err != nil {
				return 0, err
			}
			if l, ok := lines[inn]; ok {
				rp.Add(l, "inn", csvtable.ReasonExists, "организация с этим ИНН уже есть в реестре")
			} else if l, ok := lines[ogrn]; ok {
				rp.Add(l, "ogrn", csvtable.ReasonExists, "организация с этим ОГРН уже есть в реестре")
			}
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	if err := rp.Err(len(t.Rows)); err != nil {
		return 0, err
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"registry", "organisations"},
			[]string{"id", "code", "kind", "full_name", "short_name", "inn", "ogrn", "address", "municipality_id"}, pgx.CopyFromRows(out))
		if db.IsUniqueViolation(err, "") {
			return errs.User(errs.Conflict, "за время загрузки в реестре появились организации с теми же реквизитами или кодом; загрузите файл снова")
		}
		return err
	})
	return len(out), err
}

func (f *Function) importEnrollments(r *http.Request, t *csvtable.Table) (int, error) {
	ctx := r.Context()
	var rp csvtable.Report
	type orgRef struct {
		id  uuid.UUID
		mun *uuid.UUID
	}
	orgs := map[string]orgRef{}
	rows, err := f.db.Query(ctx, `SELECT coalesce(code, ''), inn, id, municipality_id FROM registry.organisations`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var code, inn string
		var o orgRef
		if err := rows.Scan(&code, &inn, &o.id, &o.mun); err != nil {
			return 0, err
		}
		orgs[inn] = o
		if code != "" {
			orgs[code] = o
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// First pass: everything that needs no database; collect SNILS hashes and organisations.
	type parsed struct {
		line   int
		hash   []byte
		org    orgRef
		year   int
		starts time.Time
		ends   *time.Time
		class  string
	}
	var ps []parsed
	var hashes [][]byte
	orgIDs := map[uuid.UUID]bool{}
	for i, row := range t.Rows {
		line := i + 2
		digits, err := pdata.NormalizeSNILS(t.Get(row, "snils"))
		if err != nil {
			rp.Add(line, "snils", errs.Checksum, "неверный СНИЛС")
			continue
		}
		o, ok := orgs[t.Get(row, "organisation")]
		if !ok {
			rp.Add(line, "organisation", errs.Unknown, "нет организации с кодом или ИНН «"+t.Get(row, "organisation")+"»")
			continue
		}
		target := access.Target{OrganisationIDs: []string{o.id.String()}}
		if o.mun != nil {
			target.MunicipalityIDs = []string{o.mun.String()}
		}
		if Rules.Require(ctx, PermEnrollmentWrite, target) != nil {
			rp.Add(line, "organisation", csvtable.ReasonNotYours, "нет прав на эту организацию")
			continue
		}
		year, err := strconv.Atoi(t.Get(row, "academic_year"))
		if err != nil || year < 2000 || year > 2100 {
			rp.Add(line, "academic_year", errs.Range, "год начала учебного года, например 2026")
			continue
		}
		starts, ok := csvtable.ParseDate(t.Get(row, "starts_on"))
		if !ok {
			rp.Add(line, "starts_on", errs.Format, "дата в формате ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")
			continue
		}
		var ends *time.Time
		if e := t.Get(row, "ends_on"); e != "" {
			d, ok := csvtable.ParseDate(e)
			if !ok || d.Before(starts) {
				rp.Add(line, "ends_on", errs.Format, "дата окончания в формате ГГГГ-ММ-ДД, не раньше даты начала")
				continue
			}
			ends = &d
		}
		h := f.pdata.Hash("snils", digits)
		hashes = append(hashes, h)
		orgIDs[o.id] = true
		ps = append(ps, parsed{line: line, hash: h, org: o, year: year, starts: starts, ends: ends, class: t.Get(row, "class")})
	}
	// Second pass: people and classes, each fetched with one query.
	people := map[string]uuid.UUID{}
	rows, err = f.db.Query(ctx, `SELECT snils_hash, id FROM registry.people WHERE snils_hash = ANY($1)`, hashes)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var h []byte
		var id uuid.UUID
		if err := rows.Scan(&h, &id); err != nil {
			return 0, err
		}
		people[string(h)] = id
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var orgList []string
	for id := range orgIDs {
		orgList = append(orgList, id.String())
	}
	classes := map[string]uuid.UUID{}
	rows, err = f.db.Query(ctx, `SELECT organisation_id::text || '/' || academic_year || '/' || name, id FROM registry.classes WHERE organisation_id = ANY($1::uuid[])`, orgList)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var k string
		var id uuid.UUID
		if err := rows.Scan(&k, &id); err != nil {
			return 0, err
		}
		classes[k] = id
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	enrolled := map[string]bool{}
	var personList []string
	for _, id := range people {
		personList = append(personList, id.String())
	}
	rows, err = f.db.Query(ctx, `SELECT person_id::text || '/' || organisation_id::text || '/' || academic_year
		FROM registry.enrollments WHERE person_id = ANY($1::uuid[])`, personList)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return 0, err
		}
		enrolled[k] = true
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var out [][]any
	var evs []outbox.Event
	var entries []audit.Entry
	seen := map[string]int{}
	seenPerson := map[uuid.UUID]bool{}
	for _, p := range ps {
		person, ok := people[string(p.hash)]
		if !ok {
			rp.Add(p.line, "snils", errs.Unknown, "в реестре нет человека с этим СНИЛС; сначала загрузите людей")
			continue
		}
		key := person.String() + "/" + p.org.id.String() + "/" + strconv.Itoa(p.year)
		if first, dup := seen[key]; dup {
			rp.Add(p.line, "snils", csvtable.ReasonRepeated, "повтор строки "+strconv.Itoa(first))
			continue
		}
		seen[key] = p.line
		if enrolled[key] {
			rp.Add(p.line, "snils", csvtable.ReasonExists, "обучающийся уже зачислен в эту организацию на этот учебный год")
			continue
		}
		var class *uuid.UUID
		if p.class != "" {
			id, ok := classes[p.org.id.String()+"/"+strconv.Itoa(p.year)+"/"+p.class]
			if !ok {
				rp.Add(p.line, "class", errs.Unknown, "в организации нет класса «"+p.class+"» на этот учебный год")
				continue
			}
			class = &id
		}
		id, _ := uuid.NewV7()
		out = append(out, []any{id, person, p.org.id, class, p.year, p.starts, p.ends})
		ev := registryapi.EnrollmentEvent{EnrollmentID: id.String(), PersonID: person.String(), OrganisationID: p.org.id.String(),
			AcademicYear: p.year, StartsOn: p.starts.Format(time.DateOnly)}
		if p.ends != nil {
			e := p.ends.Format(time.DateOnly)
			ev.EndsOn = &e
		}
		if class != nil {
			ev.ClassID = class.String()
		}
		evs = append(evs, outbox.Event{Type: registryapi.EventEnrollmentCreated, Source: source, Subject: person.String(), Data: ev})
		if !seenPerson[person] { // one audit record per child per import
			seenPerson[person] = true
			entries = append(entries, f.auditEntry(r, person, "create", "registry.import", []string{"enrollment"}))
		}
	}
	if err := rp.Err(len(t.Rows)); err != nil {
		return 0, err
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"registry", "enrollments"},
			[]string{"id", "person_id", "organisation_id", "class_id", "academic_year", "starts_on", "ends_on"}, pgx.CopyFromRows(out))
		if db.IsUniqueViolation(err, "") {
			return errs.User(errs.Unprocessable, "некоторые обучающиеся уже зачислены в эти организации на этот учебный год")
		}
		if err != nil {
			return err
		}
		if err := f.outbox.EnqueueMany(ctx, tx, evs); err != nil {
			return err
		}
		return audit.AppendBulk(ctx, tx, entries)
	})
	return len(out), err
}
