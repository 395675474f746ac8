package submitapplication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/jackc/pgx/v5"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// EPGUConfig is where EPGU takes status updates of the applications filed on it.
type EPGUConfig struct {
	// StatusURL receives application.status-changed CloudEvents (binary mode)
	// of applications with an EPGU order. Empty: status updates are not sent
	// (local runs without EPGU); each one is then logged as not sent.
	StatusURL string `envconfig:"EPGU_STATUS_URL"`
	// StatusToken, when set, is sent as a bearer token with each update.
	StatusToken string `envconfig:"EPGU_STATUS_TOKEN"`
	// Timeout bounds one delivery to EPGU.
	Timeout time.Duration `envconfig:"EPGU_STATUS_TIMEOUT" default:"10s"`
}

// epguConsumer is the name under which forwarded status updates are recorded
// in platform.processed_events.
const epguConsumer = Name + ":epgu-status"

// epguStatus sends status updates to EPGU.
type epguStatus struct {
	cfg    EPGUConfig
	client cloudevents.Client
	log    *slog.Logger
}

func newEPGUStatus(cfg EPGUConfig, log *slog.Logger) (*epguStatus, error) {
	s := &epguStatus{cfg: cfg, log: log}
	if cfg.StatusURL == "" {
		log.Warn("EPGU status updates are off: EPGU_STATUS_URL is not set (each update not sent is logged at debug level)")
		return s, nil
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	opts := []cehttp.Option{cehttp.WithTarget(cfg.StatusURL), cehttp.WithClient(http.Client{Timeout: cfg.Timeout})}
	if cfg.StatusToken != "" {
		opts = append(opts, cehttp.WithHeader("Authorization", "Bearer "+cfg.StatusToken))
	}
	p, err := cloudevents.NewHTTP(opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: EPGU_STATUS_URL: %w", Name, err)
	}
	if s.client, err = cloudevents.NewClient(p); err != nil {
		return nil, err
	}
	return s, nil
}

// forwardStatus passes an application.status-changed event of this function
// on to EPGU when the application came from EPGU (it carries the order id and
// the EPGU status code). Guarantees:
//
//   - At least once: a 2xx is answered only after EPGU accepted the update; an
//     unreachable or refusing EPGU is a 503, so the Broker (or the relay)
//     delivers it again later.
//   - Once in the usual case: a delivered update is recorded, and a redelivery
//     of it is answered 200 without sending it again. EPGU receives the
//     event's own id, so the rare second send (the record failed after EPGU
//     answered) is a duplicate it can recognise.
//   - Only this function's own events, from the Broker or the dispatcher —
//     never from the EPGU service account.
func (f *Function) forwardStatus(w http.ResponseWriter, r *http.Request, ev *cloudevents.Event) error {
	ctx := r.Context()
	if err := f.fromOwnDelivery(ctx, ev, source, "status events"); err != nil {
		return err
	}
	var st submitapplicationapi.StatusChangedEvent
	if err := json.Unmarshal(ev.Data(), &st); err != nil {
		return errs.E(errs.Invalid, "event data: %v", err)
	}
	if st.EPGUOrderID == "" {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"result": "not an EPGU order"})
		return nil
	}
	var done bool
	if err := f.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM platform.processed_events WHERE consumer = $1 AND source = $2 AND id = $3)`,
		epguConsumer, ev.Source(), ev.ID()).Scan(&done); err != nil {
		return commitError(err)
	}
	if done {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"result": "already sent"})
		return nil
	}
	if f.epgu.client == nil {
		f.epgu.log.Debug("EPGU status update not sent: EPGU_STATUS_URL is not set",
			"application", st.ApplicationID, "order", st.EPGUOrderID, "epgu_status_code", st.EPGUStatusCode)
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"result": "EPGU is not configured"})
		return nil
	}
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.epgu.cfg.Timeout)
	defer cancel()
	if res := f.epgu.client.Send(sendCtx, *ev); !cloudevents.IsACK(res) {
		return &errs.Error{Code: errs.Unavailable, Detail: fmt.Sprintf("EPGU did not take the status update: %v", res)}
	}
	if _, err := f.db.Exec(ctx, `INSERT INTO platform.processed_events (consumer, source, id, type) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, epguConsumer, ev.Source(), ev.ID(), ev.Type()); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		f.epgu.log.Error("EPGU status update sent but not recorded; a redelivery will send it again", "event", ev.ID(), "err", err)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"result": "sent"})
	return nil
}
