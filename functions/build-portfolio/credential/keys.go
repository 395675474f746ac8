package credential

import (
	"crypto/ed25519"
	"crypto/sha256"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// DevelopmentKey is the key `make run` and the tests sign with when no
// CREDENTIAL_KEY is set. Its seed is derived from a phrase in this file, so
// anyone can sign with it: a verifier trusts it only when told to (`eko
// verify -dev`), and production sets CREDENTIAL_KEY.
func DevelopmentKey(issuer string) Key {
	seed := sha256.Sum256([]byte("EKO development credential key — not for production"))
	k, _ := NewKey(issuer+"#dev", seed[:])
	k.Development = true
	return k
}

// JWKS is the key set as a JSON Web Key Set (OKP, Ed25519), each key's kid
// its verification method.
func JWKS(keys ...Key) ([]byte, error) {
	set := jose.JSONWebKeySet{}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public, KeyID: k.ID, Algorithm: string(jose.EdDSA), Use: "sig"})
	}
	return json.Marshal(set)
}

// ParseJWKS reads a JSON Web Key Set of Ed25519 keys into a key set.
func ParseJWKS(b []byte) (*KeySet, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("key set: %w", err)
	}
	var keys []Key
	for _, k := range set.Keys {
		pub, ok := k.Key.(ed25519.PublicKey)
		if !ok || k.KeyID == "" {
			return nil, fmt.Errorf("key set: key %q is not an Ed25519 public key with a kid", k.KeyID)
		}
		keys = append(keys, Key{ID: k.KeyID, Public: pub})
	}
	return NewKeySet(keys...), nil
}

//go:embed trusted-keys.json
var trustedKeys []byte

// TrustedKeys are the ministry's public keys shipped with EKO
// (trusted-keys.json): what `eko verify` trusts offline. Add the public
// half of every production CREDENTIAL_KEY there (`eko keygen` prints it).
func TrustedKeys() *KeySet {
	s, err := ParseJWKS(trustedKeys)
	if err != nil {
		panic(err)
	}
	return s
}

// With is the set with keys added.
func (s *KeySet) With(keys ...Key) *KeySet {
	out := NewKeySet(keys...)
	if s != nil {
		for id, k := range s.keys {
			out.keys[id] = k
		}
	}
	return out
}
