package publicsite

import (
	"slices"
	"testing"
)

// A search compares as people type: case, ё/е and punctuation do not
// matter, and a word shares most of its trigrams with its typo.
func TestFoldAndTrigrams(t *testing.T) {
	for in, want := range map[string]string{
		"МБДОУ «Детский сад № 1»": "мбдоу детский сад 1",
		"Ёлочка, ул. Ёлкина 3":    "елочка ул елкина 3",
		"  ---  ":                 "",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := trigrams("сад"); !slices.Equal(got, []string{"  с", " са", "ад ", "сад"}) {
		t.Errorf("trigrams(сад) = %q", got)
	}
	school := trigrams(fold("Средняя общеобразовательная школа № 1"))
	for q, want := range map[string]bool{"школа 1": true, "шкала 1": true, "шкaла 1": true /* a Latin «a» typed in */, "гимназия 7": false, "лицей": false} {
		if got := shared(trigrams(fold(q)), school) >= 0.5; got != want {
			t.Errorf("%q matches «школа № 1»: %v (%.2f)", q, got, shared(trigrams(fold(q)), school))
		}
	}
}
