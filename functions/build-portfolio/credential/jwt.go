package credential

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// SignJWT returns cred as a VC-JWT (Open Badges 3.0 §8.2): a JWS signed
// with EdDSA by key, whose payload carries the credential as "vc" with the
// registered claims taken from it (iss, jti, sub, nbf, exp).
func SignJWT(cred map[string]any, key Key) (string, error) {
	if key.Private == nil {
		return "", errors.New("credential: signing needs a private key")
	}
	doc := clone(cred)
	delete(doc, "proof")
	claims := map[string]any{"vc": doc, "iss": issuerID(doc)}
	if id, ok := doc["id"].(string); ok {
		claims["jti"] = id
	}
	if s, ok := doc["credentialSubject"].(map[string]any); ok {
		if id, ok := s["id"].(string); ok {
			claims["sub"] = id
		}
	}
	if t, err := time.Parse(time.RFC3339, str(doc["validFrom"])); err == nil {
		claims["nbf"] = t.Unix()
	}
	if t, err := time.Parse(time.RFC3339, str(doc["validUntil"])); err == nil {
		claims["exp"] = t.Unix()
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key.Private},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.ID))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// jwtClaims are the claims SignJWT writes.
type jwtClaims struct {
	VC  map[string]any `json:"vc"`
	Iss string         `json:"iss"`
	Jti string         `json:"jti"`
	Sub string         `json:"sub"`
	Nbf *int64         `json:"nbf"`
	Exp *int64         `json:"exp"`
}

// issuerID is the id of a credential's issuer (a string or a Profile).
func issuerID(doc map[string]any) string {
	switch i := doc["issuer"].(type) {
	case string:
		return i
	case map[string]any:
		return str(i["id"])
	}
	return ""
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
