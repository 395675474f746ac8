package credential

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/piprate/json-gold/ld"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
)

// StatusSource gives the status list credential at a URL (the function
// reads its own lists; `eko verify` may have none: offline).
type StatusSource interface {
	StatusList(ctx context.Context, url string) (map[string]any, error)
}

// Verifier verifies credentials with trusted keys, the pinned contexts and,
// when it has one, a source of status lists.
type Verifier struct {
	Keys   *KeySet
	Status StatusSource // nil: revocation is not checked (Status "unchecked")
	Now    func() time.Time
}

// Verify checks raw — a credential as JSON with a Data Integrity proof, or
// a VC-JWT — and says whether it is valid, or exactly why not.
func (v *Verifier) Verify(ctx context.Context, raw []byte) buildportfolioapi.Verification {
	raw = bytes.TrimSpace(raw)
	if len(raw) > MaxCredential {
		return fail(buildportfolioapi.Verification{}, buildportfolioapi.VerifyMalformed, "документ больше %d КиБ", MaxCredential>>10)
	}
	var out buildportfolioapi.Verification
	var doc map[string]any
	if len(raw) > 0 && raw[0] != '{' {
		out.Format = "jwt"
		d, keyID, reason, problem := v.openJWT(string(raw))
		out.KeyID = keyID
		if k, ok := v.Keys.Key(keyID); ok {
			out.Development = k.Development
		}
		if reason != "" {
			return fail(out, reason, "%s", problem)
		}
		doc = d
	} else {
		out.Format = "data-integrity"
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil || doc == nil {
			return fail(out, buildportfolioapi.VerifyMalformed, "это не JSON и не JWT")
		}
	}
	describe(&out, doc)
	if reason, problem := checkShape(doc); reason != "" {
		return fail(out, reason, "%s", problem)
	}
	if out.Format == "data-integrity" {
		if reason, problem := v.checkProofs(doc, &out); reason != "" {
			return fail(out, reason, "%s", problem)
		}
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if t, err := time.Parse(time.RFC3339, out.ValidFrom); err == nil && t.After(now) {
		return fail(out, buildportfolioapi.VerifyNotYetValid, "документ действует только с %s", out.ValidFrom)
	}
	if t, err := time.Parse(time.RFC3339, out.ValidUntil); err == nil && !t.After(now) {
		return fail(out, buildportfolioapi.VerifyExpired, "срок действия истёк %s", out.ValidUntil)
	}
	out.Status = "active"
	if reason, problem := v.checkStatus(ctx, doc, &out); reason != "" {
		return fail(out, reason, "%s", problem)
	}
	out.Valid = true
	return out
}

func fail(v buildportfolioapi.Verification, reason, format string, args ...any) buildportfolioapi.Verification {
	v.Valid, v.Reason, v.Problem = false, reason, fmt.Sprintf(format, args...)
	return v
}

// openJWT verifies a VC-JWT's signature and claims and returns its credential.
func (v *Verifier) openJWT(token string) (doc map[string]any, keyID, reason, problem string) {
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, "", buildportfolioapi.VerifyMalformed, "это не JSON и не JWT, подписанный EdDSA"
	}
	keyID = jws.Signatures[0].Header.KeyID
	key, ok := v.Keys.Key(keyID)
	if !ok {
		return nil, keyID, buildportfolioapi.VerifyUnknownKey, "подписан неизвестным ключом " + strconv.Quote(keyID)
	}
	payload, err := jws.Verify(key.Public)
	if err != nil {
		return nil, keyID, buildportfolioapi.VerifySignature, "подпись не сходится: документ изменён или подписан другим ключом"
	}
	var c jwtClaims
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil || c.VC == nil {
		return nil, keyID, buildportfolioapi.VerifyMalformed, "в JWT нет документа (vc)"
	}
	if c.Iss != issuerID(c.VC) || (c.Jti != "" && c.Jti != str(c.VC["id"])) {
		return nil, keyID, buildportfolioapi.VerifyMalformed, "поля JWT (iss, jti) расходятся с документом"
	}
	if !strings.HasPrefix(keyID, issuerID(c.VC)+"#") {
		return nil, keyID, buildportfolioapi.VerifyUnknownKey, "ключ не принадлежит издателю документа"
	}
	return c.VC, keyID, "", ""
}

// checkShape checks the contexts and the members every credential has.
func checkShape(doc map[string]any) (reason, problem string) {
	ctxs, ok := doc["@context"].([]any)
	if !ok || len(ctxs) == 0 || ctxs[0] != ContextVC2 {
		return buildportfolioapi.VerifyContext, "первым контекстом должен быть " + ContextVC2
	}
	for _, c := range ctxs {
		u, ok := c.(string)
		if !ok {
			return buildportfolioapi.VerifyContext, "встроенные контексты не принимаются: только закреплённые ссылки"
		}
		if _, ok := pinned[u]; !ok {
			return buildportfolioapi.VerifyContext, "контекст " + u + " неизвестен (принимаются только закреплённые)"
		}
	}
	types := typesOf(doc["type"])
	if !slices.Contains(types, "VerifiableCredential") {
		return buildportfolioapi.VerifyMalformed, "это не VerifiableCredential"
	}
	if issuerID(doc) == "" {
		return buildportfolioapi.VerifyMalformed, "не указан издатель"
	}
	if _, ok := doc["credentialSubject"].(map[string]any); !ok {
		return buildportfolioapi.VerifyMalformed, "нет credentialSubject"
	}
	return "", ""
}

// checkProofs verifies the document's eddsa-rdfc-2022 proofs: at least one,
// each by a trusted key of the issuer.
func (v *Verifier) checkProofs(doc map[string]any, out *buildportfolioapi.Verification) (reason, problem string) {
	var ours []map[string]any
	for _, p := range proofsOf(doc) {
		if p["type"] == ProofType && p["cryptosuite"] == Cryptosuite {
			ours = append(ours, p)
		}
	}
	if len(ours) == 0 {
		return buildportfolioapi.VerifyNoProof, "нет подписи (proof) DataIntegrityProof eddsa-rdfc-2022"
	}
	for _, p := range ours {
		vm := str(p["verificationMethod"])
		out.KeyID = vm
		key, ok := v.Keys.Key(vm)
		if !ok {
			return buildportfolioapi.VerifyUnknownKey, "подписан неизвестным ключом " + strconv.Quote(vm)
		}
		if !strings.HasPrefix(vm, issuerID(doc)+"#") || p["proofPurpose"] != ProofPurpose {
			return buildportfolioapi.VerifyUnknownKey, "ключ не принадлежит издателю документа или подпись не для утверждения"
		}
		out.Development = key.Development
		valid, err := verifyProof(doc, p, key.Public)
		var ce ErrContext
		var le *ld.JsonLdError
		switch {
		case errors.As(err, &ce):
			return buildportfolioapi.VerifyContext, "контекст " + ce.URL + " неизвестен (принимаются только закреплённые)"
		case errors.As(err, &le) && le.Code == ld.InvalidProperty:
			return buildportfolioapi.VerifyUndefined, "поле не определено ни одним контекстом и не было бы подписано: " + fmt.Sprint(le.Details)
		case err != nil:
			return buildportfolioapi.VerifyMalformed, "документ не разобран как JSON-LD: " + err.Error()
		case !valid:
			return buildportfolioapi.VerifySignature, "подпись не сходится: документ изменён или подписан другим ключом"
		}
	}
	return "", ""
}

// checkStatus reads the credential's revocation entry from its status list.
func (v *Verifier) checkStatus(ctx context.Context, doc map[string]any, out *buildportfolioapi.Verification) (reason, problem string) {
	entry, ok := doc["credentialStatus"].(map[string]any)
	if !ok {
		return "", ""
	}
	if v.Status == nil {
		out.Status = "unchecked"
		return "", ""
	}
	listURL := str(entry["statusListCredential"])
	index, err := strconv.Atoi(str(entry["statusListIndex"]))
	if err != nil || index < 0 || index >= StatusListBits || entry["statusPurpose"] != "revocation" {
		return buildportfolioapi.VerifyMalformed, "запись о статусе (credentialStatus) неверна"
	}
	list, err := v.Status.StatusList(ctx, listURL)
	if err != nil {
		out.Status = "unchecked"
		return "", ""
	}
	lv := (&Verifier{Keys: v.Keys, Now: v.Now}).verifyList(list)
	if lv != "" {
		return buildportfolioapi.VerifyStatus, "список отзыва не заслуживает доверия: " + lv
	}
	subject, _ := list["credentialSubject"].(map[string]any)
	bits, err := DecodeStatusList(str(subject["encodedList"]))
	if err != nil {
		return buildportfolioapi.VerifyStatus, "список отзыва не читается: " + err.Error()
	}
	if BitAt(bits, index) {
		out.Status = "revoked"
		return buildportfolioapi.VerifyRevoked, "документ отозван издателем"
	}
	return "", ""
}

// verifyList verifies a status list credential's proof; "" when it holds.
func (v *Verifier) verifyList(list map[string]any) string {
	if reason, problem := checkShape(list); reason != "" {
		return problem
	}
	var out buildportfolioapi.Verification
	if reason, problem := v.checkProofs(list, &out); reason != "" {
		return problem
	}
	return ""
}

// describe fills what a credential states: its types, issuer, dates and
// achievements (a CLR's: those of its AchievementCredentials).
func describe(out *buildportfolioapi.Verification, doc map[string]any) {
	out.Types = typesOf(doc["type"])
	out.IssuerID = issuerID(doc)
	if i, ok := doc["issuer"].(map[string]any); ok {
		out.IssuerName = str(i["name"])
	}
	out.CredentialID, out.ValidFrom, out.ValidUntil = str(doc["id"]), str(doc["validFrom"]), str(doc["validUntil"])
	subject, _ := doc["credentialSubject"].(map[string]any)
	if a, ok := subject["achievement"].(map[string]any); ok {
		out.Achievements = append(out.Achievements, stated(a, doc))
	}
	if list, ok := subject["verifiableCredential"].([]any); ok {
		for _, e := range list {
			if c, ok := e.(map[string]any); ok {
				if s, ok := c["credentialSubject"].(map[string]any); ok {
					if a, ok := s["achievement"].(map[string]any); ok {
						out.Achievements = append(out.Achievements, stated(a, c))
					}
				}
			}
		}
	}
}

func stated(a, cred map[string]any) buildportfolioapi.StatedAchievement {
	s := buildportfolioapi.StatedAchievement{Name: str(a["name"]), Description: str(a["description"]), Type: str(a["achievementType"])}
	if t, err := time.Parse(time.RFC3339, str(cred["validFrom"])); err == nil {
		s.AwardedOn = t.Format(time.DateOnly)
	}
	return s
}

func typesOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
