package buildportfolio

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	"github.com/kuzbass/eko/functions/build-portfolio/credential"

	"github.com/kuzbass/eko/shared/access"
	"github.com/kuzbass/eko/shared/db"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// issuerName is the issuer every credential names.
const issuerName = "Министерство образования Кузбасса"

// issuing is how credentials are issued: the key, the issuer's profile and
// where the issuer's documents are served.
type issuing struct {
	key      credential.Key
	base     string // the function's public URL: <EKO_PUBLIC_URL>/api/build-portfolio
	verifier *credential.Verifier
}

func (is *issuing) issuerURL() string      { return is.base + "/issuer" }
func (is *issuing) statusURL(n int) string { return fmt.Sprintf("%s/status/%d", is.base, n) }

func (is *issuing) issuer() map[string]any {
	return map[string]any{"id": is.issuerURL(), "type": []any{"Profile"}, "name": issuerName, "url": strings.TrimSuffix(is.base, "/api/"+Name)}
}

// newIssuing is the issuing of opts: CREDENTIAL_KEY, or the development key
// (said once at start).
func newIssuing(opts Options, warn func(string)) (*issuing, error) {
	is := &issuing{base: strings.TrimRight(opts.PublicURL, "/") + "/api/" + Name}
	if opts.CredentialKey == "" {
		is.key = credential.DevelopmentKey(is.issuerURL())
		warn("credentials are signed with the development key: CREDENTIAL_KEY is not set (trusted only by `eko verify -dev`)")
	} else {
		seed, err := credential.ParseSeed(opts.CredentialKey)
		if err != nil {
			return nil, err
		}
		if is.key, err = credential.NewKey(is.issuerURL()+"#"+opts.CredentialKeyID, seed); err != nil {
			return nil, err
		}
	}
	is.verifier = &credential.Verifier{Keys: credential.NewKeySet(is.key)}
	return is, nil
}

// exporter is the target of exporting owner's portfolio and of reading the
// credentials issued from it: the pupil and the parents, the teacher.
func exporter(owner uuid.UUID) access.Target {
	return access.Target{PersonID: owner.String(), ByOffice: append([]access.Role{access.Person}, family...)}
}

// revoker is the target of revoking a credential of owner: the owner's
// side, and the ministry.
func revoker(owner uuid.UUID) access.Target {
	t := exporter(owner)
	t.ByOffice = append(t.ByOffice, access.MinistryOfficial)
	return t
}

// exportAchievement: POST /api/build-portfolio/achievements/{id}/credential
// — a confirmed achievement as an Open Badges 3.0 credential, signed both
// ways. Exporting it again gives the credential already issued (until it
// is revoked).
func (f *Function) exportAchievement(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	a, err := loadAchievement(ctx, f.db, id, false)
	if err != nil {
		return err
	}
	if a == nil {
		return notYours(theAchievement)
	}
	if err := require(ctx, PermExport, exporter(a.OwnerID), theAchievement); err != nil {
		return err
	}
	if a.State != buildportfolioapi.Confirmed {
		return notNow(a, "выгрузить можно только подтверждённое достижение: это "+a.StateTitle)
	}
	return f.export(w, r, a.OwnerID, "achievement", []*achievement{a})
}

// exportPortfolio: POST /api/build-portfolio/people/{id}/credential — the
// portfolio's confirmed achievements (the chosen ones, or all) as a CLR 2.0
// credential holding an Open Badges credential for each.
func (f *Function) exportPortfolio(w http.ResponseWriter, r *http.Request, owner uuid.UUID) error {
	ctx := r.Context()
	var in buildportfolioapi.ExportRequest
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(w, r, &in, 64<<10); err != nil {
			return err
		}
	}
	if err := require(ctx, PermExport, exporter(owner), thePortfolio); err != nil {
		return err
	}
	chosen := make([]uuid.UUID, 0, len(in.Achievements))
	for _, s := range in.Achievements {
		id, err := uuid.Parse(s)
		if err != nil {
			return errs.Fields("портфолио не выгружено", field("achievements", errs.Format, "неверный идентификатор достижения"))
		}
		chosen = append(chosen, id)
	}
	rows, err := f.db.Query(ctx, `SELECT `+achievementColumns+` FROM portfolio.achievements a
		WHERE a.owner_id = $1 AND a.state = 'confirmed' AND (cardinality($2::uuid[]) = 0 OR a.id = ANY($2))
		ORDER BY a.awarded_on DESC, a.id`, owner, chosen)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*achievement, error) { return scanAchievement(row) })
	if err != nil {
		return err
	}
	if len(list) == 0 || (len(chosen) > 0 && len(list) != len(chosen)) {
		return unprocessable("в портфолио нет таких подтверждённых достижений",
			field("achievements", buildportfolioapi.ReasonState, "выгружаются только подтверждённые достижения этого портфолио"))
	}
	return f.export(w, r, owner, "portfolio", list)
}

// export issues (or finds, still active) the credential of kind stating list.
func (f *Function) export(w http.ResponseWriter, r *http.Request, owner uuid.UUID, kind string, list []*achievement) error {
	ctx := r.Context()
	ids := make([]uuid.UUID, len(list))
	for i, a := range list {
		ids[i] = a.ID
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	if c, err := f.activeCredential(ctx, owner, kind, ids); err != nil || c != nil {
		if err != nil {
			return err
		}
		return httpx.Reply(w, http.StatusOK, c, nil)
	}
	holder, err := f.holderIdentity(ctx, owner, list[0].OwnerKind)
	if err != nil {
		return err
	}
	var out *buildportfolioapi.Credential
	err = db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		listID, index, err := f.allocateEntry(ctx, tx)
		if err != nil {
			return err
		}
		id := uuid.Must(uuid.NewV7())
		now := f.Time()
		status := credential.StatusEntry(f.issuing.statusURL(listID), index)
		var doc map[string]any
		if kind == "achievement" {
			doc = f.achievementCredential(list[0], holder, id, status, now)
		} else {
			nested := make([]any, 0, len(list))
			for _, a := range list {
				signed, err := credential.SignDataIntegrity(f.achievementCredential(a, holder, uuid.Must(uuid.NewV7()), status, now), f.issuing.key, now)
				if err != nil {
					return err
				}
				nested = append(nested, signed)
			}
			doc = f.portfolioCredential(holder, id, nested, status, now)
		}
		signed, err := credential.SignDataIntegrity(doc, f.issuing.key, now)
		if err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		jwt, err := credential.SignJWT(doc, f.issuing.key)
		if err != nil {
			return err
		}
		body, err := json.Marshal(signed)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO portfolio.credentials (id, owner_id, kind, achievements, list_id, list_index, document, jwt, issued_at, issued_by_subject)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, id, owner, kind, ids, listID, index, body, jwt, now, callerSubject(ctx)); err != nil {
			return err
		}
		out = &buildportfolioapi.Credential{ID: id, OwnerID: owner, Kind: kind, Achievements: ids, Document: body, JWT: jwt, IssuedAt: now, Status: "active"}
		return nil
	})
	if err != nil {
		return err
	}
	return httpx.Reply(w, http.StatusCreated, out, nil)
}

// activeCredential is owner's unrevoked credential of kind stating exactly ids.
func (f *Function) activeCredential(ctx context.Context, owner uuid.UUID, kind string, ids []uuid.UUID) (*buildportfolioapi.Credential, error) {
	rows, err := f.db.Query(ctx, `SELECT `+credentialColumns+` FROM portfolio.credentials c
		WHERE c.owner_id = $1 AND c.kind = $2 AND c.revoked_at IS NULL AND c.achievements @> $3 AND c.achievements <@ $3
		ORDER BY c.issued_at DESC LIMIT 1`, owner, kind, ids)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, scanCredential)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

const credentialColumns = `c.id, c.owner_id, c.kind, c.achievements, c.document, c.jwt, c.issued_at, c.revoked_at, coalesce(c.revoke_reason, '')`

func scanCredential(row pgx.CollectableRow) (buildportfolioapi.Credential, error) {
	var c buildportfolioapi.Credential
	err := row.Scan(&c.ID, &c.OwnerID, &c.Kind, &c.Achievements, &c.Document, &c.JWT, &c.IssuedAt, &c.RevokedAt, &c.RevokeReason)
	c.Status = "active"
	if c.RevokedAt != nil {
		c.Status = "revoked"
	}
	return c, err
}

// allocateEntry takes a random free entry of the current status list
// (random, so that an entry's index tells nothing of when it was issued),
// making the list when there is none yet and the next one when it is full.
func (f *Function) allocateEntry(ctx context.Context, tx pgx.Tx) (int, int, error) {
	var listID, used int
	err := tx.QueryRow(ctx, `SELECT l.id, (SELECT count(*) FROM portfolio.credentials c WHERE c.list_id = l.id)
		FROM portfolio.status_lists l ORDER BY l.id DESC LIMIT 1 FOR UPDATE`).Scan(&listID, &used)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && used >= credential.StatusListBits*3/4) {
		listID++
		if err := f.writeList(ctx, tx, listID, make([]byte, credential.StatusListBits/8), true); err != nil {
			return 0, 0, err
		}
	} else if err != nil {
		return 0, 0, err
	}
	for range 64 {
		n, err := rand.Int(rand.Reader, big.NewInt(credential.StatusListBits))
		if err != nil {
			return 0, 0, err
		}
		var free bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM portfolio.credentials WHERE list_id = $1 AND list_index = $2)`,
			listID, int(n.Int64())).Scan(&free); err != nil {
			return 0, 0, err
		}
		if free {
			return listID, int(n.Int64()), nil
		}
	}
	return 0, 0, errors.New("status list: no free entry found")
}

// writeList stores list id's bits with its signed status list credential.
func (f *Function) writeList(ctx context.Context, tx pgx.Tx, id int, bits []byte, create bool) error {
	enc, err := credential.EncodeStatusList(bits)
	if err != nil {
		return err
	}
	now := f.Time()
	doc, err := credential.SignDataIntegrity(credential.StatusListCredential(f.issuing.statusURL(id), f.issuing.issuerURL(), now.UTC().Format(time.RFC3339), enc), f.issuing.key, now)
	if err != nil {
		return err
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	if create {
		_, err = tx.Exec(ctx, `INSERT INTO portfolio.status_lists (id, bits, document, changed_at) VALUES ($1, $2, $3, $4)`, id, bits, body, now)
	} else {
		_, err = tx.Exec(ctx, `UPDATE portfolio.status_lists SET bits = $2, document = $3, changed_at = $4 WHERE id = $1`, id, bits, body, now)
	}
	return err
}

// holder is how a credential names whose it is.
type holder struct {
	identity map[string]any
	name     string // for a teacher's; "" for a pupil's
}

// holderIdentity names the owner: a teacher by the full name; a pupil only
// by a salted SHA-256 of the full name (a minor's data minimised: whoever
// is shown the credential and told the name can check it, nobody can read
// it off), with no birth date, school or registry id.
func (f *Function) holderIdentity(ctx context.Context, owner uuid.UUID, kind string) (holder, error) {
	if f.registry == nil {
		return holder{}, errs.User(errs.Unavailable, "реестр недоступен: повторите выгрузку позже")
	}
	p, err := f.registry.Person(ctx, owner)
	if err != nil {
		return holder{}, err
	}
	name := p.FullName()
	if kind == buildportfolioapi.OwnerTeacher {
		return holder{name: name, identity: map[string]any{"type": "IdentityObject", "identityType": "name", "hashed": false, "identityHash": name}}, nil
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return holder{}, err
	}
	s := hex.EncodeToString(salt)
	sum := sha256.Sum256([]byte(name + s))
	return holder{identity: map[string]any{"type": "IdentityObject", "identityType": "name", "hashed": true,
		"identityHash": "sha256$" + hex.EncodeToString(sum[:]), "salt": s}}, nil
}

// achievementTypes map the kinds to Open Badges' achievementType vocabulary.
var achievementTypes = map[string]string{
	"olympiad": "Award", "competition": "Award", "sport": "Award", "gto": "Badge", "creative": "Award",
	"project": "Assignment", "volunteering": "CommunityService", "additional_education": "CertificateOfCompletion",
	"exam": "Assessment", "year_honours": "Award", "qualification": "Certification", "course": "Course",
	"award": "Award", "methodological": "Achievement", "mentor": "Award",
}

// achievementCredential is the Open Badges 3.0 credential of a.
func (f *Function) achievementCredential(a *achievement, h holder, id uuid.UUID, status map[string]any, now time.Time) map[string]any {
	tags := []any{a.CategoryTitle}
	for _, t := range []string{a.LevelTitle, a.ResultTitle} {
		if t != "" {
			tags = append(tags, t)
		}
	}
	return map[string]any{
		"@context":    []any{credential.ContextVC2, credential.ContextOB},
		"id":          "urn:uuid:" + id.String(),
		"type":        []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":      f.issuing.issuer(),
		"validFrom":   now.UTC().Truncate(time.Second).Format(time.RFC3339),
		"awardedDate": a.AwardedOn + "T00:00:00+07:00",
		"name":        credentialName(a),
		"credentialSubject": map[string]any{
			"type":       []any{"AchievementSubject"},
			"identifier": []any{h.identity},
			"achievement": map[string]any{
				"id":              "urn:uuid:" + a.ID.String(),
				"type":            []any{"Achievement"},
				"achievementType": achievementTypes[a.Category],
				"name":            a.Title,
				"description":     describeAchievement(a),
				"criteria":        map[string]any{"narrative": narrative(a)},
				"tag":             tags,
			},
		},
		"credentialStatus": status,
	}
}

// portfolioCredential is the CLR 2.0 credential holding nested.
func (f *Function) portfolioCredential(h holder, id uuid.UUID, nested []any, status map[string]any, now time.Time) map[string]any {
	name := "Портфолио обучающегося"
	if h.name != "" {
		name = "Портфолио педагога: " + h.name
	}
	return map[string]any{
		"@context":  []any{credential.ContextVC2, credential.ContextCLR, credential.ContextOB},
		"id":        "urn:uuid:" + id.String(),
		"type":      []any{"VerifiableCredential", "ClrCredential"},
		"issuer":    f.issuing.issuer(),
		"validFrom": now.UTC().Truncate(time.Second).Format(time.RFC3339),
		"name":      name,
		"credentialSubject": map[string]any{
			"type":                 []any{"ClrSubject"},
			"identifier":           []any{h.identity},
			"verifiableCredential": nested,
		},
		"credentialStatus": status,
	}
}

func credentialName(a *achievement) string {
	if a.ResultTitle != "" {
		return capitalised(a.ResultTitle) + ": " + a.Title
	}
	return a.Title
}

func capitalised(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	}
	return string(r)
}

// describeAchievement says what a is in one line.
func describeAchievement(a *achievement) string {
	parts := []string{a.CategoryTitle}
	if a.LevelTitle != "" {
		parts = append(parts, a.LevelTitle+" уровень")
	}
	if a.ResultTitle != "" {
		parts = append(parts, a.ResultTitle)
	}
	if a.Hours != nil {
		parts = append(parts, fmt.Sprintf("%d ч", *a.Hours))
	}
	if a.Organiser != "" {
		parts = append(parts, "организатор: "+a.Organiser)
	}
	if d, err := time.Parse(time.DateOnly, a.AwardedOn); err == nil {
		parts = append(parts, d.Format("02.01.2006"))
	}
	return strings.Join(parts, " · ")
}

// narrative says how EKO knows a: who confirmed it by which document, or
// which system it came from.
func narrative(a *achievement) string {
	switch a.Source {
	case buildportfolioapi.SourceClaim:
		s := "Подтверждено образовательной организацией по скану документа"
		if a.Document != "" {
			s += " «" + a.Document + "»"
		}
		return s
	case buildportfolioapi.SourceEKO:
		return "Сформировано по данным ЭКО (" + a.Origin.System + ")"
	}
	return "Передано информационной системой «" + a.Origin.System + "»"
}

// credentials: GET /api/build-portfolio/people/{id}/credentials — the
// credentials issued from a portfolio, newest first.
func (f *Function) credentials(w http.ResponseWriter, r *http.Request, owner uuid.UUID) error {
	ctx := r.Context()
	if err := require(ctx, PermExport, exporter(owner), thePortfolio); err != nil {
		return err
	}
	rows, err := f.db.Query(ctx, `SELECT `+credentialColumns+` FROM portfolio.credentials c WHERE c.owner_id = $1 ORDER BY c.issued_at DESC LIMIT 200`, owner)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, scanCredential)
	if list == nil {
		list = []buildportfolioapi.Credential{}
	}
	return httpx.Reply(w, http.StatusOK, list, err)
}

// loadCredential reads credential id with its list entry (lock: FOR UPDATE).
func loadCredential(ctx context.Context, q querier, id uuid.UUID, lock bool) (*buildportfolioapi.Credential, int, int, error) {
	sql := `SELECT ` + credentialColumns + `, c.list_id, c.list_index FROM portfolio.credentials c WHERE c.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return nil, 0, 0, err
	}
	var listID, index int
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (buildportfolioapi.Credential, error) {
		var c buildportfolioapi.Credential
		err := row.Scan(&c.ID, &c.OwnerID, &c.Kind, &c.Achievements, &c.Document, &c.JWT, &c.IssuedAt, &c.RevokedAt, &c.RevokeReason, &listID, &index)
		c.Status = "active"
		if c.RevokedAt != nil {
			c.Status = "revoked"
		}
		return c, err
	})
	if err != nil || len(list) == 0 {
		return nil, 0, 0, err
	}
	return &list[0], listID, index, nil
}

// credentialByID: GET /api/build-portfolio/credentials/{id} — one
// credential, for its owner's side and the ministry.
func (f *Function) credentialByID(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	c, _, _, err := loadCredential(ctx, f.db, id, false)
	if err != nil {
		return err
	}
	if c == nil {
		return notYours(theCredential)
	}
	if err := require(ctx, PermRevoke, revoker(c.OwnerID), theCredential); err != nil {
		return err
	}
	return httpx.Reply(w, http.StatusOK, c, nil)
}

// revoke: POST /api/build-portfolio/credentials/{id}/revoke — the ministry
// (or the owner's side) revokes a credential with a reason: its entry is
// set in the status list, which is signed anew in the same transaction, so
// every verification from then on finds it revoked. Revoking again
// answers the revoked credential.
func (f *Function) revoke(w http.ResponseWriter, r *http.Request, id uuid.UUID) error {
	ctx := r.Context()
	var in buildportfolioapi.RevokeRequest
	if err := httpx.DecodeJSON(w, r, &in, 4<<10); err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if fe := text(nil, "reason", in.Reason, 1, 500, "причина отзыва"); len(fe) > 0 {
		return errs.Fields("документ не отозван", fe...)
	}
	var out *buildportfolioapi.Credential
	err := db.InTx(ctx, f.db, func(tx pgx.Tx) error {
		c, listID, index, err := loadCredential(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if c == nil {
			return notYours(theCredential)
		}
		if err := require(ctx, PermRevoke, revoker(c.OwnerID), theCredential); err != nil {
			return err
		}
		if c.RevokedAt == nil {
			var bits []byte
			if err := tx.QueryRow(ctx, `SELECT bits FROM portfolio.status_lists WHERE id = $1 FOR UPDATE`, listID).Scan(&bits); err != nil {
				return err
			}
			credential.SetBit(bits, index)
			if err := f.writeList(ctx, tx, listID, bits, false); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE portfolio.credentials SET revoked_at = $2, revoked_by_subject = $3, revoke_reason = $4 WHERE id = $1`,
				id, f.Time(), callerSubject(ctx), in.Reason); err != nil {
				return err
			}
		}
		c, _, _, err = loadCredential(ctx, tx, id, false)
		out = c
		return err
	})
	return httpx.Reply(w, http.StatusOK, out, err)
}

// statusList: GET /api/build-portfolio/status/{n} — a signed Bitstring
// Status List credential, public (it names no one: 131,072 anonymous
// entries), cached for a minute.
func (f *Function) statusList(w http.ResponseWriter, r *http.Request) error {
	n, err := statusNumber(r.PathValue("n"))
	if err != nil {
		return err
	}
	var doc json.RawMessage
	err = f.db.QueryRow(r.Context(), `SELECT document FROM portfolio.status_lists WHERE id = $1`, n).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.User(errs.NotFound, "список отзыва не найден")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Content-Type", "application/vc+ld+json")
	_, err = w.Write(doc)
	return err
}

func statusNumber(s string) (int, error) {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 1 || fmt.Sprint(n) != s {
		return 0, errs.User(errs.NotFound, "список отзыва не найден")
	}
	return n, nil
}

// StatusList implements credential.StatusSource for the function's own lists.
func (f *Function) StatusList(ctx context.Context, url string) (map[string]any, error) {
	rest, ok := strings.CutPrefix(url, f.issuing.base+"/status/")
	if !ok {
		return nil, errors.New("not a status list of this issuer")
	}
	n, err := statusNumber(rest)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	err = f.db.QueryRow(ctx, `SELECT document FROM portfolio.status_lists WHERE id = $1`, n).Scan(&doc)
	return doc, err
}

// issuerProfile: GET /api/build-portfolio/issuer — the issuer's profile
// with its verification methods (Multikey): where a verifier finds the key
// a credential names.
func (f *Function) issuerProfile(w http.ResponseWriter, r *http.Request) error {
	k := f.issuing.key
	doc := map[string]any{
		"@context": []any{credential.ContextVC2, "https://w3id.org/security/multikey/v1"},
		"id":       f.issuing.issuerURL(),
		"type":     "Profile",
		"name":     issuerName,
		"verificationMethod": []any{map[string]any{
			"id": k.ID, "type": "Multikey", "controller": f.issuing.issuerURL(), "publicKeyMultibase": k.Multibase(),
		}},
		"assertionMethod": []any{k.ID},
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	return httpx.Reply(w, http.StatusOK, doc, nil)
}

// jwks: GET /api/build-portfolio/issuer/jwks.json — the issuer's keys as a
// JSON Web Key Set (`eko verify -keys` reads it).
func (f *Function) jwks(w http.ResponseWriter, r *http.Request) error {
	b, err := credential.JWKS(f.issuing.key)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_, err = w.Write(b)
	return err
}

// verify: POST /api/build-portfolio/verify — anyone checks a credential (as
// JSON, or a VC-JWT as text): valid, who issued it and what it states, or
// exactly why not; a credential of this issuer is checked against its
// status list. A document over the limit is 413.
func (f *Function) verify(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, credential.MaxCredential)
	raw, err := readAll(r)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return errs.User(errs.TooLarge, "документ больше %d КиБ", credential.MaxCredential>>10)
		}
		return err
	}
	var text string
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) && json.Unmarshal(raw, &text) == nil {
		raw = []byte(text) // a JWT sent as a JSON string
	}
	v := *f.issuing.verifier
	v.Status, v.Now = f, f.Time
	return httpx.Reply(w, http.StatusOK, v.Verify(r.Context(), raw), nil)
}
