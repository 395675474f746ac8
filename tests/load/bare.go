package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kuzbass/eko/shared/db"
)

// bareRequest is what the bare endpoint takes: the same first-grade body.
type bareRequest struct {
	Service    string `json:"service"`
	ChildID    string `json:"child_id"`
	FirstGrade struct {
		SchoolID string `json:"school_id"`
		Basis    string `json:"basis"`
	} `json:"first_grade"`
}

// startBare serves the baseline: net/http and a pgx pool of the same size and
// settings, inserting the same application row (number from the sequence,
// receipt time from the database) and its outbox row in one transaction — with
// no token, no grants, no validation, no window check, no history row and no
// event schema validation.
func (st *state) startBare(ctx context.Context, dbCfg db.Config) error {
	pool, err := db.Open(ctx, dbCfg)
	if err != nil {
		return err
	}
	st.closers = append(st.closers, pool.Close)
	var mun uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT municipality_id FROM registry.organisations WHERE id = $1`, st.schools[0]).Scan(&mun); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /bare", func(w http.ResponseWriter, r *http.Request) { bareHandler(w, r, pool, mun) })
	url, err := serve(mux)
	st.bareURL = url
	return err
}

func bareHandler(w http.ResponseWriter, r *http.Request, pool *pgxpool.Pool, mun uuid.UUID) {
	var in bareRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, _ := uuid.NewV7()
	data, _ := json.Marshal(in.FirstGrade)
	var number string
	var received time.Time
	err := pgx.BeginFunc(r.Context(), pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(r.Context(), `
			INSERT INTO applications.applications (id, seq, number, service, channel, child_id, child_key, child_birth_date,
			    applicant_subject, target_organisation_id, organisation_ids, municipality_id, target_key, status, window_no,
			    academic_year, received_at, updated_at, data, idempotency_key, request_hash)
			SELECT $1, s.seq, '1К-' || to_char(now(), 'YYYY') || '-' || lpad(s.seq::text, 7, '0'), 'first_grade', 'cabinet', $2::uuid, $3,
			    '2020-11-01', 'bare', $4::uuid, ARRAY[$4::uuid], $5, $6, 'submitted', 1, 2027, clock_timestamp(), clock_timestamp(), $7, $8, '\x00'
			FROM (SELECT nextval('applications.application_seq') AS seq) s
			RETURNING number, received_at`,
			id, in.ChildID, in.ChildID, in.FirstGrade.SchoolID, mun, in.FirstGrade.SchoolID, string(data), id.String()).Scan(&number, &received)
		if err != nil {
			return err
		}
		ev, _ := json.Marshal(map[string]any{"application_id": id, "number": number, "service": "first_grade", "channel": "cabinet",
			"status": "submitted", "epgu_status_code": 120, "organisation_id": in.FirstGrade.SchoolID,
			"organisation_ids": []string{in.FirstGrade.SchoolID}, "municipality_id": mun, "received_at": received})
		evID, _ := uuid.NewV7()
		_, err = tx.Exec(r.Context(), `INSERT INTO platform.outbox (id, type, source, subject, data) VALUES ($1, $2, $3, $4, $5)`,
			evID, "ru.kuzbass.eko.application.submitted.v1", "/eko/submit-application", id.String(), string(ev))
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "number": number, "status": "submitted", "received_at": received})
}

// bare sends one request to the bare endpoint, for a child it makes up.
func (st *state) bare(ctx context.Context, _ int) (int, error) {
	body := fmt.Sprintf(`{"service":"first_grade","child_id":%q,"first_grade":{"school_id":%q,"basis":"territory"}}`, uuid.NewString(), st.schools[0])
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, st.bareURL+"/bare", bytes.NewBufferString(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	return st.do(req)
}
