package registry

import (
	"testing"

	"github.com/kuzbass/eko/infra/fixtures"
)

func TestINNAndOGRNChecksums(t *testing.T) {
	for _, c := range []struct {
		inn, ogrn string
		ok        bool
	}{
		{"4205000016", "1024200000010", true},
		{"7707083893", "1027700132195", true}, // Sberbank
		{"4205000017", "1024200000011", false},
		{"420500001", "102420000001", false},
		{"42050000a6", "10242000000a0", false},
	} {
		if checkINN(c.inn) != c.ok || checkOGRN(c.ogrn) != c.ok {
			t.Errorf("INN %s / OGRN %s: want valid=%v", c.inn, c.ogrn, c.ok)
		}
	}
	for _, o := range fixtures.MustLoad().Organisations {
		if !checkINN(o.INN) || !checkOGRN(o.OGRN) {
			t.Errorf("fixture organisation %s has an invalid INN %s or OGRN %s", o.Code, o.INN, o.OGRN)
		}
	}
}
