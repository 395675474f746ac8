package russian

import "testing"

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "мест", 1: "место", 2: "места", 4: "места", 5: "мест", 11: "мест", 12: "мест", 14: "мест",
		21: "место", 22: "места", 25: "мест", 101: "место", 111: "мест", 112: "мест", 122: "места"} {
		if got := Plural(n, "место", "места", "мест"); got != want {
			t.Errorf("Plural(%d) = %s, want %s", n, got, want)
		}
	}
}
