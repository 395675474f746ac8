// Package russian is what EKO's texts need of the Russian language beyond
// the words themselves.
package russian

// Plural is the form of a noun for n: one (1, 21), few (2–4, 22–24) or
// many (5–20, 25–30, 11–14).
func Plural(n int, one, few, many string) string {
	switch m := n % 100; {
	case m >= 11 && m <= 14:
		return many
	case m%10 == 1:
		return one
	case m%10 >= 2 && m%10 <= 4:
		return few
	}
	return many
}
