package credential

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/mr-tron/base58"
)

// ed25519Multicodec is the multicodec prefix of an Ed25519 public key
// (0xed, as an unsigned varint).
var ed25519Multicodec = []byte{0xed, 0x01}

// Key is an Ed25519 key of the issuer: ID is its verification method (the
// issuer's URL and a fragment). Private is nil in a set of public keys.
type Key struct {
	ID      string
	Public  ed25519.PublicKey
	Private ed25519.PrivateKey
	// Development marks the key `make run` and the tests sign with, whose
	// seed is in the repository: never trusted in production.
	Development bool
}

// NewKey is the key of seed (32 bytes) with verification method id.
func NewKey(id string, seed []byte) (Key, error) {
	if len(seed) != ed25519.SeedSize {
		return Key{}, fmt.Errorf("credential key: a seed of %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return Key{ID: id, Public: priv.Public().(ed25519.PublicKey), Private: priv}, nil
}

// ParseSeed reads a key seed as the CREDENTIAL_KEY secret holds it:
// base64url (or standard base64) of 32 bytes.
func ParseSeed(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == ed25519.SeedSize {
			return b, nil
		}
	}
	return nil, errors.New("credential key: not base64 of a 32-byte Ed25519 seed")
}

// Multibase is the public key as a Multikey's publicKeyMultibase:
// base58btc ("z") of the multicodec-prefixed key.
func (k Key) Multibase() string { return MultibaseOf(k.Public) }

// MultibaseOf is pub as a publicKeyMultibase.
func MultibaseOf(pub ed25519.PublicKey) string {
	return "z" + base58.Encode(append(append([]byte(nil), ed25519Multicodec...), pub...))
}

// ParseMultibaseKey reads a publicKeyMultibase of an Ed25519 key.
func ParseMultibaseKey(s string) (ed25519.PublicKey, error) {
	b, err := decodeMultibase(s)
	if err != nil {
		return nil, err
	}
	if len(b) != 2+ed25519.PublicKeySize || b[0] != ed25519Multicodec[0] || b[1] != ed25519Multicodec[1] {
		return nil, errors.New("not a multicodec Ed25519 public key")
	}
	return ed25519.PublicKey(b[2:]), nil
}

// decodeMultibase decodes base58btc ("z…") multibase.
func decodeMultibase(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "z") || len(s) < 2 {
		return nil, errors.New("not base58btc multibase")
	}
	return base58.Decode(s[1:])
}

// KeySet is the issuer's keys a verifier trusts, by verification method.
type KeySet struct {
	keys map[string]Key
}

// NewKeySet is a set of keys (their public halves are what is used).
func NewKeySet(keys ...Key) *KeySet {
	s := &KeySet{keys: map[string]Key{}}
	for _, k := range keys {
		s.keys[k.ID] = Key{ID: k.ID, Public: k.Public, Development: k.Development}
	}
	return s
}

// Key is the trusted key of verification method id.
func (s *KeySet) Key(id string) (Key, bool) {
	if s == nil {
		return Key{}, false
	}
	k, ok := s.keys[id]
	return k, ok
}

// Keys lists the set's keys.
func (s *KeySet) Keys() []Key {
	out := make([]Key, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, k)
	}
	return out
}
