package devidp

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
)

// devToken: GET /dev/token?login=<login>[&aud=<audience>][&ttl=<seconds>]
// Tokens exactly like those of a real login (same key, same claims). ttl may
// be negative to mint an already expired token for tests.
func (s *Server) devToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	login := q.Get("login")
	if login == "" {
		problem(w, http.StatusBadRequest, "invalid", "login is required: /dev/token?login=parent1")
		return
	}
	i, ok := s.set.Identity(login)
	if !ok || i.NoAccount {
		problem(w, http.StatusNotFound, "not_found", "no fixture login "+strconv.Quote(login))
		return
	}
	ttl := s.cfg.TokenTTL
	if v := q.Get("ttl"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			problem(w, http.StatusBadRequest, "invalid", "ttl must be whole seconds")
			return
		}
		ttl = time.Duration(n) * time.Second
	}
	aud := s.cfg.Audience
	if v := q.Get("aud"); v != "" {
		aud = v
	}
	now := time.Now()
	iat := now
	if ttl < 0 {
		iat = now.Add(2 * ttl)
	}
	// The same registered claims as the token endpoint's tokens: client_id on
	// both, azp on the ID token.
	mint := func(id, audience string, idToken bool) (string, error) {
		std := jwt.Claims{Issuer: s.cfg.Issuer, Subject: i.OID, Audience: jwt.Audience{audience},
			IssuedAt: jwt.NewNumericDate(iat), NotBefore: jwt.NewNumericDate(iat), Expiry: jwt.NewNumericDate(now.Add(ttl)), ID: id}
		extra := s.userClaims(i)
		extra["client_id"] = s.cfg.ClientID
		if idToken {
			extra["azp"] = s.cfg.ClientID
		}
		return jwt.Signed(s.signer).Claims(std).Claims(extra).Serialize()
	}
	// The access token is remembered like one from the token endpoint, so that
	// the userinfo endpoint answers for it.
	access, err := mint(s.storage.rememberToken(i.OID, s.cfg.ClientID, now.Add(ttl)), aud, false)
	if err != nil {
		problem(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	idTok, err := mint(uuid.NewString(), s.cfg.ClientID, true)
	if err != nil {
		problem(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": access, "id_token": idTok, "token_type": "Bearer", "expires_in": int(ttl.Seconds()),
	})
}

// problem answers with an RFC 9457 problem. The provider stands in for ESIA, not
// for an EKO function, so its problems have no EKO-specific type: "about:blank"
// (the HTTP status says it all) plus the stable code EKO clients key on.
func problem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status, "code": code, "detail": detail,
	})
}
