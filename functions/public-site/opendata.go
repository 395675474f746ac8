package publicsite

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"time"

	"golang.org/x/text/encoding/charmap"

	publicsiteapi "github.com/kuzbass/eko/functions/public-site/api"

	"github.com/kuzbass/eko/shared/errs"
)

// columns are the dataset's fields, in the order of the CSV.
var columns = []publicsiteapi.Field{
	{Name: "id", Title: "Идентификатор в реестре ЭКО"},
	{Name: "kind", Title: "Вид организации (код)"},
	{Name: "kind_title", Title: "Вид организации"},
	{Name: "full_name", Title: "Полное наименование"},
	{Name: "short_name", Title: "Сокращённое наименование"},
	{Name: "inn", Title: "ИНН"},
	{Name: "ogrn", Title: "ОГРН"},
	{Name: "municipality", Title: "Муниципальное образование"},
	{Name: "oktmo", Title: "ОКТМО"},
	{Name: "address", Title: "Адрес"},
	{Name: "phone", Title: "Телефон"},
	{Name: "email", Title: "Электронная почта"},
	{Name: "website", Title: "Сайт"},
	{Name: "licence_number", Title: "Номер лицензии на образовательную деятельность"},
	{Name: "licence_date", Title: "Дата лицензии"},
	{Name: "licence_issuer", Title: "Лицензирующий орган"},
}

func row(o publicsiteapi.OpenOrganisation) []string {
	return []string{o.ID.String(), o.Kind, o.KindTitle, o.FullName, o.ShortName, o.INN, o.OGRN, o.Municipality, o.OKTMO, o.Address,
		o.Phone, o.Email, o.Website, o.LicenceNumber, o.LicenceDate, o.LicenceIssuer}
}

func (d *directory) open() []publicsiteapi.OpenOrganisation {
	out := make([]publicsiteapi.OpenOrganisation, len(d.orgs))
	for i := range d.orgs {
		out[i] = d.orgs[i].open()
	}
	return out
}

// organisationsCSV: GET /public-site/open-data/organisations.csv?encoding=utf-8|windows-1251
// — «;»-separated with a header of the fields' names, as Excel opens it: in
// UTF-8 with a byte order mark, or in Windows-1251.
func (f *Function) organisationsCSV(d *directory, r *http.Request) (*rendered, error) {
	enc := r.URL.Query().Get("encoding")
	if enc != "" && enc != "utf-8" && enc != "windows-1251" {
		return nil, errs.Fields("Неверный запрос открытых данных.", errs.FieldError{Field: "encoding", Code: errs.Enum, Message: "кодировка: utf-8 или windows-1251"})
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma, w.UseCRLF = ';', true
	head := make([]string, len(columns))
	for i, c := range columns {
		head[i] = c.Name
	}
	_ = w.Write(head)
	for _, o := range d.open() {
		_ = w.Write(row(o))
	}
	w.Flush()
	if enc == "windows-1251" {
		// Every character of the dataset has a Windows-1251 code but a few
		// typographic ones; those become «?» rather than break the file.
		out, err := charmap.Windows1251.NewEncoder().Bytes(bytes.ToValidUTF8(b.Bytes(), nil))
		if err != nil {
			out = []byte(replaceUnencodable(b.String()))
		}
		return &rendered{body: out, contentType: "text/csv; charset=windows-1251", name: "organisations-cp1251.csv"}, nil
	}
	return &rendered{body: append([]byte("\ufeff"), b.Bytes()...), contentType: "text/csv; charset=utf-8", name: "organisations.csv"}, nil
}

// replaceUnencodable encodes s in Windows-1251 rune by rune, «?» for a
// rune it has no code for.
func replaceUnencodable(s string) string {
	e := charmap.Windows1251.NewEncoder()
	var out []byte
	for _, r := range s {
		if b, err := e.Bytes([]byte(string(r))); err == nil {
			out = append(out, b...)
		} else {
			out = append(out, '?')
		}
	}
	return string(out)
}

// organisationsJSON: GET /public-site/open-data/organisations.json.
func (f *Function) organisationsJSON(d *directory, _ *http.Request) (*rendered, error) {
	b, err := json.Marshal(d.open())
	return &rendered{body: b, contentType: "application/json; charset=utf-8"}, err
}

// passport is the dataset's passport of the snapshot.
func (d *directory) passport() publicsiteapi.Passport {
	return publicsiteapi.Passport{
		Identifier:  "4205000016-eko-organisations",
		Title:       "Образовательные организации и органы управления образованием Кузбасса",
		Description: "Справочник организаций из реестра ЭКО: наименования, реквизиты, адреса, контакты и лицензии на образовательную деятельность. Персональных данных не содержит.",
		Creator:     "Министерство образования Кузбасса",
		Subject:     "Образование",
		Format:      []string{"csv (utf-8, windows-1251; разделитель «;»)", "json"},
		Created:     "2026-12-07",
		Modified:    d.loaded.UTC().Format(time.RFC3339),
		Records:     len(d.orgs),
		Licence:     "Открытая лицензия: свободное использование с указанием источника",
		Fields:      columns,
	}
}

// passportJSON: GET /public-site/open-data/passport.json.
func (f *Function) passportJSON(d *directory, _ *http.Request) (*rendered, error) {
	b, err := json.Marshal(d.passport())
	return &rendered{body: b, contentType: "application/json; charset=utf-8"}, err
}

// openData: GET /public-site/open-data/ — the passport and the files.
func (f *Function) openData(d *directory, _ *http.Request) (string, any, error) {
	return "Открытые данные", d.passport(), nil
}
