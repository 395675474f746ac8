package outboxrelay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/kuzbass/eko/events"
	"github.com/kuzbass/eko/shared/auth"
)

// Deliverer hands one event to its destination. A nil error means the destination
// accepted it (2xx); the relay retries anything else.
type Deliverer interface {
	Deliver(ctx context.Context, ev cloudevents.Event) error
}

// Sink posts events in binary mode to one URL: the Knative Broker named by K_SINK.
type Sink struct {
	URL    string
	Client *http.Client
	// TokenFile, when the file exists, holds the bearer token each delivery
	// carries (Knative Eventing's sender identity); it is read for every
	// delivery, since it is renewed in place.
	TokenFile string
}

// NewSink returns a Sink with a bounded HTTP client.
func NewSink(url string) *Sink {
	return &Sink{URL: url, Client: &http.Client{Timeout: 10 * time.Second}}
}

// Deliver posts ev to the sink.
func (s *Sink) Deliver(ctx context.Context, ev cloudevents.Event) error {
	req, err := newEventRequest(ctx, s.URL, ev)
	if err != nil {
		return err
	}
	if s.TokenFile != "" {
		tok, err := os.ReadFile(s.TokenFile)
		switch {
		case err == nil:
			req.Header.Set("Authorization", "Bearer "+string(bytes.TrimSpace(tok)))
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("sink token: %w", err)
		}
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return checkStatus(resp.StatusCode, resp.Body)
}

// Dispatcher delivers events in-process to every consumer the routing table names,
// through the consumer's own HTTP handler — the same code path as over the network.
// It is the local counterpart of a Knative Broker with Triggers.
type Dispatcher struct {
	Catalogue *events.Catalogue
	// Consumers finds a consumer's handler by function name; nil when this
	// process does not mount it.
	Consumers func(function string) http.Handler
}

// Deliver dispatches ev to each consumer of its type and fails if any refuses it.
// Consumers dedupe, so retrying the whole event after a partial failure is safe.
func (d *Dispatcher) Deliver(ctx context.Context, ev cloudevents.Event) error {
	for _, route := range d.Catalogue.Routes(ev.Type()) {
		h := d.Consumers(route.Consumer)
		if h == nil {
			return fmt.Errorf("consumer %s of %s is not running in this process", route.Consumer, ev.Type())
		}
		req, err := newEventRequest(auth.WithInternalDelivery(ctx), "http://in-process"+route.Path, ev)
		if err != nil {
			return err
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if err := checkStatus(rec.Code, rec.Body); err != nil {
			return fmt.Errorf("%s: %w", route.Consumer, err)
		}
	}
	return nil
}

func newEventRequest(ctx context.Context, url string, ev cloudevents.Event) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return nil, err
	}
	if err := cehttp.WriteRequest(ctx, binding.ToMessage(&ev), req); err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.ID(), err)
	}
	return req, nil
}

func checkStatus(code int, body io.Reader) error {
	if code >= 200 && code < 300 {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(body, 512))
	return fmt.Errorf("HTTP %d: %s", code, bytes.TrimSpace(b))
}
