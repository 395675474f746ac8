// Package audit writes and reads the append-only, tamper-evident log of access to
// personal data (DESIGN §7): every read or change of a person's personal data —
// typically a child's — is recorded with who, whose, what, why and from where.
// Parents read the log of their own child (List).
//
// Guarantees:
//
//   - Same fate as the access. Append writes in the caller's transaction, so a
//     record commits with, and only with, the change or read it describes.
//   - Append-only. platform.audit_log (migration 00002_audit.sql) has triggers that
//     refuse UPDATE, DELETE and TRUNCATE for every role, the table owner included.
//   - Tamper-evident. The records of one subject form a hash chain: each record
//     stores the hash of the subject's previous record (prev_hash) and its own hash
//     over that and all its fields (see ComputeHash). Someone who disables the
//     triggers and edits or deletes a record breaks the chain, and Verify reports
//     the first broken record. Limits: removing the newest records of a subject, or
//     rewriting a whole chain with recomputed hashes, is not detectable from the
//     table alone; detect it by keeping chain heads (the last Hash of List)
//     outside the database.
//   - One linear chain per subject. Appends for one subject are serialised by a
//     transaction-scoped advisory lock on a key derived from the subject id, so
//     writers for different children do not wait for each other. A unique index on
//     (subject, prev_hash) makes a fork impossible to commit even if the lock
//     protocol were bypassed.
//
// Isolation: under READ COMMITTED (the PostgreSQL default) each statement sees
// what the previous lock holder committed, and appends never fail for
// concurrency. Under REPEATABLE READ or SERIALIZABLE the transaction snapshot may
// predate another append for the same subject; the chain head read is then stale
// and Append fails with a serialization failure (SQLSTATE 40001, which db.InTx
// retries) instead of forking the chain.
//
// Like every write, a failed Append leaves the transaction unusable for the
// record it was writing: roll it back (db.InTx does).
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
)

// Actions an entry records.
const (
	ActionRead   = "read"
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
	ActionExport = "export"
)

// MaxUserAgent is the length, in characters, to which a user agent is truncated.
const MaxUserAgent = 256

// Entry is one access to one subject's personal data.
type Entry struct {
	ActorSubject    string     `json:"actor_subject"`             // required: ESIA oid of the user, or "service:<client>"
	ActorRole       string     `json:"actor_role,omitempty"`      // the role under which access was granted, e.g. "parent", "class_teacher"
	ActorPersonID   *uuid.UUID `json:"actor_person_id,omitempty"` // the actor's registry person, when known
	SubjectPersonID uuid.UUID  `json:"subject_person_id"`         // required: whose data was accessed
	Action          string     `json:"action"`                    // required: one of the Action constants
	Object          string     `json:"object"`                    // required: what was accessed, e.g. "registry.person"
	Fields          []string   `json:"fields"`                    // which personal data, e.g. {"snils", "document"}
	Purpose         string     `json:"purpose,omitempty"`         // why, e.g. "enrolment", "parent view"
	RemoteAddr      string     `json:"remote_addr"`               // the client address (FromRequest)
	UserAgent       string     `json:"user_agent"`                // the client user agent, truncated to MaxUserAgent characters
}

// Record is a stored entry.
type Record struct {
	Seq int64     `json:"seq"` // position in the whole log; increases with every append
	At  time.Time `json:"at"`  // when it was appended, microsecond precision, UTC
	Entry
	PrevHash []byte `json:"prev_hash"` // Hash of the subject's previous record; nil for the first
	Hash     []byte `json:"hash"`      // ComputeHash(PrevHash, At, Entry)
}

// Querier is what List and Verify read through: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// FromRequest returns an Entry carrying the request's client details: RemoteAddr
// is the host of r.RemoteAddr (the port dropped; the process has already made it
// the client's behind its trusted proxies — httpx.Proxies — and no forwarded
// header is read here), and
// UserAgent is the User-Agent header truncated to MaxUserAgent characters.
// ActorSubject is the verified caller's subject when r carries an auth.Principal,
// ActorPersonID the registry person its grants name.
// The caller fills in the rest.
func FromRequest(r *http.Request) Entry {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	e := Entry{RemoteAddr: addr, UserAgent: truncate(r.UserAgent(), MaxUserAgent), ActorPersonID: access.PersonOf(r.Context())}
	if p := auth.PrincipalFrom(r.Context()); p != nil {
		e.ActorSubject = p.Subject
	}
	return e
}

// Append records e in tx. See AppendMany.
func Append(ctx context.Context, tx pgx.Tx, e Entry) error {
	return AppendMany(ctx, tx, []Entry{e})
}

// AppendMany records entries in tx, for example one per child when a class list
// with personal data is read. Entries may concern several subjects and one subject
// several times (they chain in slice order). All entries get one timestamp, taken
// in Go after the subjects' locks are held and truncated to microseconds (the
// precision of timestamptz), so the stored value hashes exactly as computed.
//
// Locks are taken in ascending key order, so two transactions appending for
// overlapping sets of subjects cannot deadlock on them. They are held until tx
// ends: keep audited transactions short.
//
// Before touching the database every entry is validated (a missing actor, subject
// or object, or an unknown action, is a programming error and returned as a plain
// error, i.e. errs.Internal) and cleaned: invalid UTF-8 is replaced, NUL bytes are
// dropped (PostgreSQL text cannot hold them), a nil Fields is stored as {}, and
// UserAgent is truncated to MaxUserAgent characters.
func AppendMany(ctx context.Context, tx pgx.Tx, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	clean := make([]Entry, len(entries))
	for i, e := range entries {
		c, err := normalize(e)
		if err != nil {
			return err
		}
		clean[i] = c
	}

	// Lock every subject in a global order, then read the chain heads. The head
	// query is a later statement than the locks, so under READ COMMITTED its
	// snapshot sees everything committed by the previous holders.
	subjects := make(map[uuid.UUID]bool)
	var ids []string
	var keys []int64
	for _, e := range clean {
		if !subjects[e.SubjectPersonID] {
			subjects[e.SubjectPersonID] = true
			ids = append(ids, e.SubjectPersonID.String())
			keys = append(keys, LockKey(e.SubjectPersonID))
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	b := &pgx.Batch{}
	for _, k := range keys {
		b.Queue(`SELECT pg_advisory_xact_lock($1::bigint)`, k)
	}
	b.Queue(chainHeadsSQL, ids)
	br := tx.SendBatch(ctx, b)
	for range keys {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("audit: lock subject: %w", err)
		}
	}
	heads, err := chainHeads(br.Query())
	if err != nil {
		_ = br.Close()
		return err
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("audit: read chain heads: %w", err)
	}

	at := time.UnixMicro(time.Now().UnixMicro()).UTC()
	ins := &pgx.Batch{}
	for _, e := range clean {
		prev := heads[e.SubjectPersonID]
		h := ComputeHash(prev, at, e)
		heads[e.SubjectPersonID] = h
		ins.Queue(`INSERT INTO platform.audit_log
			(at, actor_subject, actor_person_id, actor_role, subject_person_id, action, object,
			 fields, purpose, remote_addr, user_agent, prev_hash, hash)
			VALUES ($1::timestamptz, $2, $3::uuid, $4, $5::uuid, $6, $7, $8::text[], $9, $10, $11, $12::bytea, $13::bytea)
			ON CONFLICT (subject_person_id, (coalesce(prev_hash, ''::bytea))) DO NOTHING`,
			at, e.ActorSubject, uuidArg(e.ActorPersonID), e.ActorRole, e.SubjectPersonID.String(), e.Action, e.Object,
			e.Fields, e.Purpose, e.RemoteAddr, e.UserAgent, nilIfEmpty(prev), h)
	}
	// ON CONFLICT DO NOTHING on the chain key: under REPEATABLE READ and
	// SERIALIZABLE, PostgreSQL turns a conflict with a row the snapshot cannot see
	// (a stale head) into a serialization failure (40001), which db.InTx retries.
	// Under READ COMMITTED the advisory lock prevents the conflict; should a writer
	// bypass it, the insert does nothing and Append reports errs.Conflict.
	br = tx.SendBatch(ctx, ins)
	for range clean {
		tag, err := br.Exec()
		if err == nil && tag.RowsAffected() != 1 {
			err = errForked
		}
		if err != nil {
			_ = br.Close()
			return insertError(err)
		}
	}
	if err := br.Close(); err != nil {
		return insertError(err)
	}
	return nil
}

var errForked = &errs.Error{Code: errs.Conflict, Detail: "concurrent update, please retry"}

func insertError(err error) error {
	var pe *pgconn.PgError
	if errors.Is(err, errForked) || errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "audit_log_chain_key" {
		return fmt.Errorf("audit: the subject's chain head moved under a concurrent append; roll back and retry: %w", errForked)
	}
	return fmt.Errorf("audit: insert: %w", err)
}

func uuidArg(id *uuid.UUID) any {
	if id == nil {
		return nil
	}
	return id.String()
}

func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

var actions = map[string]bool{
	ActionRead: true, ActionCreate: true, ActionUpdate: true, ActionDelete: true, ActionExport: true,
}

// normalize validates e and returns the form that is hashed and stored.
func normalize(e Entry) (Entry, error) {
	e.ActorSubject = cleanText(e.ActorSubject)
	e.ActorRole = cleanText(e.ActorRole)
	e.Action = cleanText(e.Action)
	e.Object = cleanText(e.Object)
	e.Purpose = cleanText(e.Purpose)
	e.RemoteAddr = cleanText(e.RemoteAddr)
	e.UserAgent = truncate(cleanText(e.UserAgent), MaxUserAgent)
	fields := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = cleanText(f)
	}
	e.Fields = fields
	if e.ActorPersonID != nil {
		id := *e.ActorPersonID
		e.ActorPersonID = &id
	}
	switch {
	case e.ActorSubject == "":
		return e, errors.New("audit: entry has no actor subject")
	case e.SubjectPersonID == uuid.Nil:
		return e, errors.New("audit: entry has no subject person")
	case !actions[e.Action]:
		return e, fmt.Errorf("audit: unknown action %q", e.Action)
	case e.Object == "":
		return e, errors.New("audit: entry has no object")
	}
	return e, nil
}

func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "")
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// LockKey is the pg_advisory_xact_lock key that serialises appends for subject:
// the first 8 bytes, big-endian, of SHA-256("eko.audit.lock" || 0x00 || subject's
// 16 bytes). The prefix keeps the keys apart from other advisory locks of EKO.
func LockKey(subject uuid.UUID) int64 {
	h := sha256.New()
	h.Write([]byte("eko.audit.lock\x00"))
	h.Write(subject[:])
	return int64(binary.BigEndian.Uint64(h.Sum(nil)[:8]))
}

// hashDomain starts every hashed encoding; a new encoding gets a new tag.
const hashDomain = "eko.audit.v1\x00"

// ComputeHash returns the chain hash of a record: SHA-256 over
//
//	"eko.audit.v1" 0x00
//	lp(prev)                      // the previous record's hash; empty for the first
//	at as Unix microseconds       // 8 bytes, big-endian, two's complement
//	lp(ActorSubject)
//	lp(ActorPersonID)             // its 16 bytes, or empty when nil
//	lp(ActorRole)
//	lp(SubjectPersonID)           // 16 bytes
//	lp(Action) lp(Object)
//	len(Fields) as 4 bytes big-endian, then lp(field) for each, in order
//	lp(Purpose) lp(RemoteAddr) lp(UserAgent)
//
// where lp(x) is len(x) as 4 bytes big-endian followed by the bytes of x (UTF-8
// for text). Every field is length-prefixed, so no two different records encode
// alike. seq is not hashed (PostgreSQL assigns it on insert); the order of a
// subject's records is fixed by prev.
func ComputeHash(prev []byte, at time.Time, e Entry) []byte {
	h := sha256.New()
	var n [8]byte
	lp := func(b []byte) {
		binary.BigEndian.PutUint32(n[:4], uint32(len(b)))
		h.Write(n[:4])
		h.Write(b)
	}
	h.Write([]byte(hashDomain))
	lp(prev)
	binary.BigEndian.PutUint64(n[:], uint64(at.UnixMicro()))
	h.Write(n[:])
	lp([]byte(e.ActorSubject))
	if e.ActorPersonID != nil {
		lp(e.ActorPersonID[:])
	} else {
		lp(nil)
	}
	lp([]byte(e.ActorRole))
	lp(e.SubjectPersonID[:])
	lp([]byte(e.Action))
	lp([]byte(e.Object))
	binary.BigEndian.PutUint32(n[:4], uint32(len(e.Fields)))
	h.Write(n[:4])
	for _, f := range e.Fields {
		lp([]byte(f))
	}
	lp([]byte(e.Purpose))
	lp([]byte(e.RemoteAddr))
	lp([]byte(e.UserAgent))
	return h.Sum(nil)
}

const (
	// DefaultLimit is the page size List uses when limit <= 0.
	DefaultLimit = 50
	// MaxLimit caps the page size of List.
	MaxLimit = 500
)

const selectRecord = `SELECT seq, at, actor_subject, actor_person_id, actor_role, subject_person_id,
	action, object, fields, purpose, remote_addr, user_agent, prev_hash, hash
	FROM platform.audit_log`

// List returns a page of subject's records, NEWEST FIRST. after is a keyset
// cursor: pass 0 for the first page, then the Seq of the last record of the
// previous page; records with Seq < after follow. limit <= 0 means DefaultLimit,
// and limit is capped at MaxLimit. A shorter page than asked for is the last one.
func List(ctx context.Context, q Querier, subject uuid.UUID, after int64, limit int) ([]Record, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	if after <= 0 {
		after = math.MaxInt64
	}
	rows, err := q.Query(ctx, selectRecord+`
		WHERE subject_person_id = $1::uuid AND seq < $2::bigint
		ORDER BY seq DESC LIMIT $3::int`, subject.String(), after, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	out := make([]Record, 0, limit)
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

func scanRecord(rows pgx.Rows) (Record, error) {
	var r Record
	err := rows.Scan(&r.Seq, &r.At, &r.ActorSubject, &r.ActorPersonID, &r.ActorRole, &r.SubjectPersonID,
		&r.Action, &r.Object, &r.Fields, &r.Purpose, &r.RemoteAddr, &r.UserAgent, &r.PrevHash, &r.Hash)
	r.At = r.At.UTC()
	return r, err
}

// Verify recomputes subject's chain, oldest first, in one snapshot of q. It returns
// ok = true (and brokenAtSeq = 0) when every record's prev_hash is the stored hash
// of the subject's previous record (empty for the first) and its hash equals
// ComputeHash over its stored fields. Otherwise ok is false and brokenAtSeq is the
// seq of the first record that fails: an edited record fails itself, a deleted one
// makes its successor fail. A subject without records verifies. err is set only
// when the log cannot be read. See the package comment for what Verify cannot see.
func Verify(ctx context.Context, q Querier, subject uuid.UUID) (ok bool, brokenAtSeq int64, err error) {
	rows, err := q.Query(ctx, selectRecord+`
		WHERE subject_person_id = $1::uuid ORDER BY seq`, subject.String())
	if err != nil {
		return false, 0, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	var prev []byte
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return false, 0, fmt.Errorf("audit: verify: %w", err)
		}
		if !bytesEqual(r.PrevHash, prev) || !bytesEqual(ComputeHash(r.PrevHash, r.At, r.Entry), r.Hash) {
			return false, r.Seq, nil
		}
		prev = r.Hash
	}
	if err := rows.Err(); err != nil {
		return false, 0, fmt.Errorf("audit: verify: %w", err)
	}
	return true, 0, nil
}

// bytesEqual treats nil and empty alike (a NULL prev_hash is the empty hash).
func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// AppendBulk records entries with COPY and without locks, for bulk operations
// (imports) touching thousands of subjects, where one advisory lock per subject
// would exhaust the lock table. It reads every chain head in one query and
// relies on the unique chain key: if another transaction appends for one of the
// subjects meanwhile, the COPY fails with errs.Conflict and nothing is written,
// so the caller retries. Each subject may appear once.
func AppendBulk(ctx context.Context, tx pgx.Tx, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	clean := make([]Entry, len(entries))
	ids := make([]string, len(entries))
	seen := make(map[uuid.UUID]bool, len(entries))
	for i, e := range entries {
		c, err := normalize(e)
		if err != nil {
			return err
		}
		if seen[c.SubjectPersonID] {
			return fmt.Errorf("audit: subject %s twice in one bulk append", c.SubjectPersonID)
		}
		seen[c.SubjectPersonID] = true
		clean[i], ids[i] = c, c.SubjectPersonID.String()
	}
	heads, err := chainHeads(tx.Query(ctx, chainHeadsSQL, ids))
	if err != nil {
		return err
	}
	at := time.UnixMicro(time.Now().UnixMicro()).UTC()
	out := make([][]any, len(clean))
	for i, c := range clean {
		prev := heads[c.SubjectPersonID]
		out[i] = []any{at, c.ActorSubject, c.ActorPersonID, c.ActorRole, c.SubjectPersonID, c.Action, c.Object,
			c.Fields, c.Purpose, c.RemoteAddr, c.UserAgent, nilIfEmpty(prev), ComputeHash(prev, at, c)}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"platform", "audit_log"},
		[]string{"at", "actor_subject", "actor_person_id", "actor_role", "subject_person_id", "action", "object",
			"fields", "purpose", "remote_addr", "user_agent", "prev_hash", "hash"}, pgx.CopyFromRows(out))
	if err != nil {
		return insertError(err)
	}
	return nil
}

// chainHeadsSQL reads the hash of the last entry of each subject of $1 (NULL
// for a subject without entries).
const chainHeadsSQL = `SELECT s.id, h.hash
	FROM unnest($1::uuid[]) AS s(id)
	LEFT JOIN LATERAL (
		SELECT hash FROM platform.audit_log
		WHERE subject_person_id = s.id ORDER BY seq DESC LIMIT 1
	) h ON true`

// chainHeads collects the rows of chainHeadsSQL: each subject's last hash.
func chainHeads(rows pgx.Rows, err error) (map[uuid.UUID][]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("audit: read chain heads: %w", err)
	}
	defer rows.Close()
	heads := map[uuid.UUID][]byte{}
	for rows.Next() {
		var id uuid.UUID
		var h []byte
		if err := rows.Scan(&id, &h); err != nil {
			return nil, fmt.Errorf("audit: read chain heads: %w", err)
		}
		heads[id] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: read chain heads: %w", err)
	}
	return heads, nil
}
