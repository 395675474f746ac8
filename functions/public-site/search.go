package publicsite

import (
	"slices"
	"strings"
	"unicode"
)

// fold is s as a search compares it: lower case, ё as е, every run of
// what is not a letter or a digit one space.
func fold(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		switch {
		case r == 'ё':
			r = 'е'
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSpace(b.String())
}

// trigrams are the distinct trigrams of folded text, sorted, each word
// padded as PostgreSQL's pg_trgm pads it (two spaces before, one after).
func trigrams(folded string) []string {
	var out []string
	for _, w := range strings.Fields(folded) {
		r := []rune("  " + w + " ")
		for i := 0; i+3 <= len(r); i++ {
			out = append(out, string(r[i:i+3]))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// searchKey is what a query is compared by: its folded text and trigrams.
func searchKey(text string) (string, []string) {
	folded := fold(text)
	if folded == "" {
		return "", nil
	}
	return folded, trigrams(folded)
}

// match scores a candidate against a query: 1 with no query, 2 when the
// candidate holds the query as written, the share of the query's trigrams
// it has when that is at least a half, else 0 (no match).
func match(folded string, grams []string, in string, inGrams []string) float64 {
	switch {
	case folded == "":
		return 1
	case strings.Contains(in, folded):
		return 2
	}
	if s := shared(grams, inGrams); s >= 0.5 {
		return s
	}
	return 0
}

// shared is the share of q's trigrams that are in of (both sorted): 1
// when every one is, 0 when q has none.
func shared(q, of []string) float64 {
	if len(q) == 0 {
		return 0
	}
	n, j := 0, 0
	for _, g := range q {
		for j < len(of) && of[j] < g {
			j++
		}
		if j < len(of) && of[j] == g {
			n++
		}
	}
	return float64(n) / float64(len(q))
}
