package httpx

import "context"

// Origin is the client behind a request: its address (host:port, as the
// listener saw it) and its user agent. The router records it for every
// request, and Client passes it on to the function it calls, so that an audit
// log written three calls deep still names the browser the request came from.
type Origin struct {
	Addr      string
	UserAgent string
}

type originKey struct{}

// WithOrigin returns a context carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginOf returns the origin ctx carries, or the zero Origin.
func OriginOf(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}
