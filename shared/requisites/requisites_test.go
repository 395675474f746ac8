package requisites_test

import (
	"testing"

	"github.com/kuzbass/eko/shared/requisites"
)

func TestValidINN(t *testing.T) {
	for _, c := range []struct {
		inn string
		ok  bool
	}{
		{"7707083893", true}, // Sberbank
		{"4205000016", true},
		{"500100732259", true}, // an individual: two control digits
		{"7707083894", false},
		{"4205000017", false},
		{"500100732258", false},
		{"500100732249", false},
		{"770708389", false},
		{"77070838931", false},
		{"77070838a3", false},
		{"", false},
	} {
		if got := requisites.ValidINN(c.inn); got != c.ok {
			t.Errorf("ValidINN(%q) = %v, want %v", c.inn, got, c.ok)
		}
	}
}

func TestValidOGRN(t *testing.T) {
	for _, c := range []struct {
		ogrn string
		ok   bool
	}{
		{"1027700132195", true}, // Sberbank
		{"1024200000010", true},
		{"5087746390353", true},   // registered from 2003 on: first digit 5
		{"304500116000157", true}, // OGRNIP of an individual entrepreneur: mod 13
		{"1027700132194", false},
		{"2027700132194", false}, // control digit right, but a 13-digit OGRN starts with 1 or 5
		{"304500116000158", false},
		{"102770013219", false},
		{"10277001321955", false},
		{"10277001321a5", false},
		{"", false},
	} {
		if got := requisites.ValidOGRN(c.ogrn); got != c.ok {
			t.Errorf("ValidOGRN(%q) = %v, want %v", c.ogrn, got, c.ok)
		}
	}
}
