package registry

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/text/encoding/charmap"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/audit"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
	"github.com/kuzbass/eko/shared/outbox"
	"github.com/kuzbass/eko/shared/pdata"
)

// MaxImportBytes bounds an import file; a larger one is refused before it is read.
const MaxImportBytes = 50 << 20

// maxReportedErrors bounds the per-row report; the total is always given.
const maxReportedErrors = 1000

// RowError is one problem of an import file. Row is the line number in the file,
// the header being line 1, so a clerk finds it in a spreadsheet.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// importColumns are the required and optional columns of each kind.
var importColumns = map[string]struct{ required, optional []string }{
	"people":        {[]string{"family_name", "given_name", "birth_date", "gender"}, []string{"middle_name", "snils", "doc_type", "doc_series", "doc_number", "email", "phone"}},
	"organisations": {[]string{"kind", "full_name", "short_name", "inn", "ogrn", "municipality"}, []string{"code", "address"}},
	"enrollments":   {[]string{"snils", "organisation", "academic_year", "starts_on"}, []string{"class", "ends_on"}},
}

// table is a decoded CSV file: its header positions and rows.
type table struct {
	col  map[string]int
	rows [][]string
}

func (t *table) get(row []string, name string) string {
	i, ok := t.col[name]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// readCSV decodes body (UTF-8 with or without BOM, or Windows-1251) and parses it
// with the delimiter of its header line.
func readCSV(body []byte, charset string, kind string) (*table, error) {
	switch strings.ToLower(charset) {
	case "", "utf-8", "utf8":
		body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(body) {
			if charset != "" {
				return nil, errs.E(errs.Unprocessable, "файл не в кодировке UTF-8; сохраните его как UTF-8 или укажите charset=windows-1251")
			}
			charset = "windows-1251"
		}
	case "windows-1251", "cp1251":
	default:
		return nil, errs.E(errs.UnsupportedMedia, "кодировка %q не поддерживается: UTF-8 или Windows-1251", charset)
	}
	if strings.EqualFold(charset, "windows-1251") || strings.EqualFold(charset, "cp1251") {
		dec, err := charmap.Windows1251.NewDecoder().Bytes(body)
		if err != nil {
			return nil, errs.E(errs.Unprocessable, "файл не читается как Windows-1251")
		}
		body = dec
	}
	header, _, _ := bytes.Cut(body, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = ';'
	if bytes.Count(header, []byte(",")) > bytes.Count(header, []byte(";")) {
		r.Comma = ','
	}
	r.ReuseRecord = false
	all, err := r.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &errs.Error{Code: errs.Unprocessable, Detail: "файл не разбирается как CSV",
				Extra: map[string]any{"errors": []RowError{{Row: pe.Line, Code: "csv", Message: pe.Err.Error()}}}}
		}
		return nil, errs.E(errs.Unprocessable, "файл не разбирается как CSV: %v", err)
	}
	if len(all) < 2 {
		return nil, errs.E(errs.Unprocessable, "в файле нет строк с данными")
	}
	t := &table{col: map[string]int{}, rows: all[1:]}
	for i, h := range all[0] {
		t.col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	var missing []string
	for _, c := range importColumns[kind].required {
		if _, ok := t.col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &errs.Error{Code: errs.Unprocessable, Detail: "в файле нет обязательных столбцов: " + strings.Join(missing, ", "),
			Extra: map[string]any{"missing_columns": missing}}
	}
	return t, nil
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
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "text/csv" && mt != "application/csv") {
		return errs.E(errs.UnsupportedMedia, "отправьте файл CSV с Content-Type: text/csv")
	}
	if r.ContentLength > MaxImportBytes {
		return errs.E(errs.TooLarge, "файл больше %d МБ; разделите его на части", MaxImportBytes>>20)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxImportBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.E(errs.TooLarge, "файл больше %d МБ; разделите его на части", MaxImportBytes>>20)
		}
		return errs.E(errs.Invalid, "файл не получен целиком")
	}
	charset := params["charset"]
	if q := r.URL.Query().Get("encoding"); q != "" {
		charset = q
	}
	t, err := readCSV(body, charset, kind)
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
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"kind": kind, "rows": len(t.rows), "created": n})
	return nil
}

// report collects row errors.
type report struct {
	errs  []RowError
	total int
}

func (rp *report) add(row int, col, code, msg string) {
	rp.total++
	if len(rp.errs) < maxReportedErrors {
		rp.errs = append(rp.errs, RowError{Row: row, Column: col, Code: code, Message: msg})
	}
}

func (rp *report) err(rows int) error {
	if rp.total == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Unprocessable,
		Detail: fmt.Sprintf("в файле %d ошибок; ничего не загружено — исправьте строки и загрузите файл снова", rp.total),
		Extra:  map[string]any{"rows_total": rows, "errors_total": rp.total, "errors": rp.errs}}
}

// parseDate accepts YYYY-MM-DD and DD.MM.YYYY.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, "02.01.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (f *Function) importPeople(r *http.Request, t *table) (int, error) {
	ctx := r.Context()
	var rp report
	today := f.now()
	type pending struct {
		id   uuid.UUID
		line int
		row  []any
		hash []byte
	}
	var list []pending
	seenSNILS := map[string]int{}
	for i, row := range t.rows {
		line := i + 2
		birth := t.get(row, "birth_date")
		if d, ok := parseDate(birth); ok {
			birth = d.Format(time.DateOnly)
		}
		gender := strings.ToUpper(t.get(row, "gender"))
		gender = map[string]string{"М": "M", "Ж": "F"}[gender] + strings.Trim(gender, "МЖ")
		in := PersonInput{FamilyName: t.get(row, "family_name"), GivenName: t.get(row, "given_name"), MiddleName: t.get(row, "middle_name"),
			BirthDate: birth, Gender: gender, SNILS: t.get(row, "snils"), Email: t.get(row, "email"), Phone: t.get(row, "phone"), ConfirmNotDuplicate: true}
		if dt := t.get(row, "doc_type"); dt != "" {
			in.Document = &Document{Type: dt, Series: t.get(row, "doc_series"), Number: t.get(row, "doc_number")}
		}
		if strings.ContainsAny(in.FamilyName+in.GivenName+in.MiddleName, "\x00") {
			rp.add(line, "family_name", "format", "недопустимые символы")
			continue
		}
		id, _ := uuid.NewV7()
		vals, err := PersonRow(f.pdata, id, in, nil, today)
		if err != nil {
			if e, ok := errs.As(err); ok {
				for _, fe := range e.Fields {
					rp.add(line, fe.Field, fe.Code, fe.Message)
				}
				continue
			}
			return 0, err
		}
		hash, _ := vals[7].([]byte)
		if hash != nil {
			key := string(hash)
			if first, dup := seenSNILS[key]; dup {
				rp.add(line, "snils", "duplicate", "этот СНИЛС уже есть в строке "+strconv.Itoa(first))
				continue
			}
			seenSNILS[key] = line
		}
		list = append(list, pending{id: id, line: line, row: vals, hash: hash})
	}
	if rp.total == 0 { // conflicts with people already in the registry, in one query
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
				rp.add(p.line, "snils", "exists", "человек с таким СНИЛС уже есть в реестре")
			}
		}
	}
	if err := rp.err(len(t.rows)); err != nil {
		return 0, err
	}
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		rows := make([][]any, len(list))
		evs := make([]outbox.Event, len(list))
		entries := make([]audit.Entry, len(list))
		base := f.auditEntry(r, uuid.Nil, "create", "registry.import", []string{"profile"})
		for i, p := range list {
			rows[i] = p.row
			evs[i] = outbox.Event{Type: EventPersonCreated, Source: source, Subject: p.id.String(),
				Data: PersonEvent{PersonID: p.id.String(), Fields: []string{"family_name", "given_name", "birth_date", "gender"}}}
			e := base
			e.SubjectPersonID = p.id
			entries[i] = e
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"registry", "people"}, PersonColumns, pgx.CopyFromRows(rows)); err != nil {
			if db.IsUniqueViolation(err, "") {
				return errs.E(errs.Conflict, "за время загрузки в реестре появились люди с теми же СНИЛС; загрузите файл снова")
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

func (f *Function) importOrganisations(r *http.Request, t *table) (int, error) {
	ctx := r.Context()
	var rp report
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
	for i, row := range t.rows {
		line := i + 2
		in := OrganisationInput{Code: t.get(row, "code"), Kind: t.get(row, "kind"), FullName: t.get(row, "full_name"), ShortName: t.get(row, "short_name"),
			INN: t.get(row, "inn"), OGRN: t.get(row, "ogrn"), Address: t.get(row, "address")}
		mun, ok := muns[t.get(row, "municipality")]
		if ok {
			in.MunicipalityID = &mun
		} else if in.Kind != "ministry" {
			rp.add(line, "municipality", "unknown", "нет муниципального образования с кодом «"+t.get(row, "municipality")+"»")
			continue
		}
		if fe := in.validate(); len(fe) > 0 {
			for _, e := range fe {
				rp.add(line, e.Field, e.Code, e.Message)
			}
			continue
		}
		target := access.Target{}
		if in.MunicipalityID != nil {
			target.MunicipalityIDs = []string{in.MunicipalityID.String()}
		}
		if Rules.Require(ctx, PermOrganisationWrite, target) != nil {
			rp.add(line, "municipality", "forbidden", "нет прав на организации этого муниципального образования")
			continue
		}
		dup := false
		for _, k := range []string{"inn:" + in.INN, "ogrn:" + in.OGRN, "code:" + in.Code} {
			if k == "code:" {
				continue
			}
			if first, ok := seen[k]; ok {
				rp.add(line, strings.SplitN(k, ":", 2)[0], "duplicate", "повтор строки "+strconv.Itoa(first))
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
	if rp.total == 0 {
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
				rp.add(l, "inn", "exists", "организация с этим ИНН уже есть в реестре")
			} else if l, ok := lines[ogrn]; ok {
				rp.add(l, "ogrn", "exists", "организация с этим ОГРН уже есть в реестре")
			}
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	if err := rp.err(len(t.rows)); err != nil {
		return 0, err
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"registry", "organisations"},
			[]string{"id", "code", "kind", "full_name", "short_name", "inn", "ogrn", "address", "municipality_id"}, pgx.CopyFromRows(out))
		if db.IsUniqueViolation(err, "") {
			return errs.E(errs.Conflict, "за время загрузки в реестре появились организации с теми же реквизитами или кодом; загрузите файл снова")
		}
		return err
	})
	return len(out), err
}

func (f *Function) importEnrollments(r *http.Request, t *table) (int, error) {
	ctx := r.Context()
	var rp report
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
	for i, row := range t.rows {
		line := i + 2
		digits, err := pdata.NormalizeSNILS(t.get(row, "snils"))
		if err != nil {
			rp.add(line, "snils", "checksum", "неверный СНИЛС")
			continue
		}
		o, ok := orgs[t.get(row, "organisation")]
		if !ok {
			rp.add(line, "organisation", "unknown", "нет организации с кодом или ИНН «"+t.get(row, "organisation")+"»")
			continue
		}
		target := access.Target{OrganisationIDs: []string{o.id.String()}}
		if o.mun != nil {
			target.MunicipalityIDs = []string{o.mun.String()}
		}
		if Rules.Require(ctx, PermEnrollmentWrite, target) != nil {
			rp.add(line, "organisation", "forbidden", "нет прав на эту организацию")
			continue
		}
		year, err := strconv.Atoi(t.get(row, "academic_year"))
		if err != nil || year < 2000 || year > 2100 {
			rp.add(line, "academic_year", "range", "год начала учебного года, например 2026")
			continue
		}
		starts, ok := parseDate(t.get(row, "starts_on"))
		if !ok {
			rp.add(line, "starts_on", "format", "дата в формате ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")
			continue
		}
		var ends *time.Time
		if e := t.get(row, "ends_on"); e != "" {
			d, ok := parseDate(e)
			if !ok || d.Before(starts) {
				rp.add(line, "ends_on", "format", "дата окончания в формате ГГГГ-ММ-ДД, не раньше даты начала")
				continue
			}
			ends = &d
		}
		h := f.pdata.Hash("snils", digits)
		hashes = append(hashes, h)
		orgIDs[o.id] = true
		ps = append(ps, parsed{line: line, hash: h, org: o, year: year, starts: starts, ends: ends, class: t.get(row, "class")})
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
			rp.add(p.line, "snils", "unknown", "в реестре нет человека с этим СНИЛС; сначала загрузите людей")
			continue
		}
		key := person.String() + "/" + p.org.id.String() + "/" + strconv.Itoa(p.year)
		if first, dup := seen[key]; dup {
			rp.add(p.line, "snils", "duplicate", "повтор строки "+strconv.Itoa(first))
			continue
		}
		seen[key] = p.line
		if enrolled[key] {
			rp.add(p.line, "snils", "exists", "обучающийся уже зачислен в эту организацию на этот учебный год")
			continue
		}
		var class *uuid.UUID
		if p.class != "" {
			id, ok := classes[p.org.id.String()+"/"+strconv.Itoa(p.year)+"/"+p.class]
			if !ok {
				rp.add(p.line, "class", "unknown", "в организации нет класса «"+p.class+"» на этот учебный год")
				continue
			}
			class = &id
		}
		id, _ := uuid.NewV7()
		out = append(out, []any{id, person, p.org.id, class, p.year, p.starts, p.ends})
		ev := EnrollmentEvent{EnrollmentID: id.String(), PersonID: person.String(), OrganisationID: p.org.id.String(),
			AcademicYear: p.year, StartsOn: p.starts.Format(time.DateOnly)}
		if p.ends != nil {
			e := p.ends.Format(time.DateOnly)
			ev.EndsOn = &e
		}
		if class != nil {
			ev.ClassID = class.String()
		}
		evs = append(evs, outbox.Event{Type: EventEnrollmentCreated, Source: source, Subject: person.String(), Data: ev})
		if !seenPerson[person] { // one audit record per child per import
			seenPerson[person] = true
			entries = append(entries, f.auditEntry(r, person, "create", "registry.import", []string{"enrollment"}))
		}
	}
	if err := rp.err(len(t.rows)); err != nil {
		return 0, err
	}
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"registry", "enrollments"},
			[]string{"id", "person_id", "organisation_id", "class_id", "academic_year", "starts_on", "ends_on"}, pgx.CopyFromRows(out))
		if db.IsUniqueViolation(err, "") {
			return errs.E(errs.Unprocessable, "некоторые обучающиеся уже зачислены в эти организации на этот учебный год")
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
