package httpx

// Page is a list answer with a keyset cursor: pass Next as ?after= for the
// next page; an empty Next is the last page. Items is never null.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// PageOf returns a page of items (none when nil) with the cursor next.
func PageOf[T any](items []T, next string) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, Next: next}
}
