package csvtable_test

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/kuzbass/eko/shared/csvtable"
	"github.com/kuzbass/eko/shared/errs"
)

var people = csvtable.Columns{Required: []string{"family_name", "given_name"}, Optional: []string{"middle_name", "snils"}}

// Excel's CSV in Windows-1251 with «;», quotes and Ё reads as the clerk sees it.
func TestReadExcelsCSV(t *testing.T) {
	body, err := charmap.Windows1251.NewEncoder().Bytes([]byte("Family_Name;given_name;snils;;\n\"Ёлкина-Петрова\";\"Дарья; Анна\";112-233-445 95;;\n"))
	if err != nil {
		t.Fatal(err)
	}
	tb, err := csvtable.Read(body, "", people)
	if err != nil {
		t.Fatal(err)
	}
	row := tb.Rows[0]
	if tb.Get(row, "family_name") != "Ёлкина-Петрова" || tb.Get(row, "given_name") != "Дарья; Анна" || tb.Get(row, "middle_name") != "" {
		t.Errorf("row %q", row)
	}
}

// A column the kind does not know, one named twice, or data under a column
// without a name refuses the file, naming them and the known columns.
func TestReadRefusesColumnsItWouldDrop(t *testing.T) {
	for _, c := range []struct {
		name, body string
		unknown    []string
	}{
		{"misspelt", "family_name;given_name;snils_number\nИванов;Иван;112-233-445 95\n", []string{"snils_number"}},
		{"with a space", "family_name;given_name;middle name\nИванов;Иван;Иванович\n", []string{"middle name"}},
		{"twice", "family_name;given_name;snils;SNILS\nИванов;Иван;1;2\n", []string{"snils (дважды)"}},
		{"data without a name", "family_name;given_name;\nИванов;Иван;лишнее\n", []string{"(столбец 3 без названия)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := csvtable.Read([]byte(c.body), "", people)
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Unprocessable || e.Reason != csvtable.ReasonColumns || !e.ForUser {
				t.Fatalf("%v", err)
			}
			if got := e.Extra[csvtable.MemberUnknownColumns].([]string); !slices.Equal(got, c.unknown) {
				t.Errorf("unknown %q, want %q", got, c.unknown)
			}
			if known := e.Extra[csvtable.MemberKnownColumns].([]string); !slices.Equal(known, []string{"family_name", "given_name", "middle_name", "snils"}) {
				t.Errorf("known %q", known)
			}
			if !strings.Contains(e.Detail, c.unknown[0]) || !strings.Contains(e.Detail, "столбцы этого файла") {
				t.Errorf("detail %q", e.Detail)
			}
		})
	}
}

// A workbook sent as CSV is answered as one, not as a CSV parse error.
func TestReadRecognisesAWorkbook(t *testing.T) {
	for name, body := range map[string][]byte{
		"xlsx": append([]byte("PK\x03\x04"), "\x14\x00\x06\x00[Content_Types].xml"...),
		"xls":  {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0},
	} {
		_, err := csvtable.Read(body, "", people)
		if e, ok := errs.As(err); !ok || e.Code != errs.UnsupportedMedia || e.Reason != csvtable.ReasonWorkbook || !strings.Contains(e.Detail, "Excel") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
