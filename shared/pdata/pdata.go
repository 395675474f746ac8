// Package pdata protects the personal data EKO stores about children and adults:
// SNILS and identity document numbers (DESIGN §7).
//
// A value is kept in three forms, each produced here:
//
//   - sealed: AES-256-GCM ciphertext (Protector.Seal), the only form from which the
//     value can be recovered (Protector.Open);
//   - hashed: an HMAC-SHA256 keyed hash of the normalised value (Protector.Hash), for
//     equality lookup and uniqueness without decrypting anything;
//   - masked: a display form that hides all but a few characters (MaskSNILS,
//     MaskDocument), for responses to callers whose role does not need the value.
//
// Values must be normalised (NormalizeSNILS, NormalizeDocument) before they are
// sealed or hashed, so that "123-456-789 64" and "12345678964" hash alike.
//
// Errors about bad input are *errs.Error with code errs.Invalid and a bilingual
// detail. They never repeat the input: personal data must not reach logs.
package pdata

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Development key material. It is published in the source tree and therefore
// protects nothing: it exists only so that `make run` and the tests work without
// setup. Production must set PDATA_KEYS and PDATA_HASH_KEY; a function can refuse
// to start with Protector.UsesDevKeys.
const (
	// DevKeys is the DEVELOPMENT-ONLY key ring (one key, id "dev1").
	DevKeys = "dev1:LA5ReMkamMh8UxCpiFg1xe+Le3QcOA2ataSH/SsqFnY="
	// DevHashKey is the DEVELOPMENT-ONLY lookup-hash key.
	DevHashKey = "cvI0gqUEYHy9oRWoDcxw3dN/CO+Vmh2LO0Fnt73w8Tc="
)

// Config is the personal-data part of a function's configuration.
type Config struct {
	// Keys is the encryption key ring "id:base64(32 bytes),id:base64(32 bytes),...".
	// The FIRST key seals; every key opens. To rotate: prepend a new key, re-seal
	// the stored values (Protector.NeedsRotation, Protector.Reseal), then drop the
	// old key. Ids are 1–32 characters of [A-Za-z0-9._-] and must be unique.
	// The default is DevKeys — DEVELOPMENT ONLY.
	Keys string `envconfig:"PDATA_KEYS" default:"dev1:LA5ReMkamMh8UxCpiFg1xe+Le3QcOA2ataSH/SsqFnY="`
	// HashKey is base64 of the 32-byte HMAC key of the lookup hash. It cannot be
	// rotated by prepending: changing it changes every stored hash, which must then
	// be recomputed from the sealed values. The default is DevHashKey — DEVELOPMENT ONLY.
	HashKey string `envconfig:"PDATA_HASH_KEY" default:"cvI0gqUEYHy9oRWoDcxw3dN/CO+Vmh2LO0Fnt73w8Tc="`
}

// KeySize is the length of every key: AES-256 and a 256-bit HMAC key.
const KeySize = 32

const (
	formatV1   = 0x01 // first byte of every ciphertext Seal produces
	nonceSize  = 12   // the GCM standard nonce
	maxIDLen   = 32
	minSealLen = 2 + 1 + nonceSize + 16 // header with a 1-byte id, nonce, GCM tag
)

// Sentinel errors of Protector.Open. They are internal errors (never user input):
// errors.Is distinguishes them for operators and re-encryption jobs.
var (
	// ErrMalformed: the ciphertext is not in a format Seal produces.
	ErrMalformed = errors.New("pdata: malformed ciphertext")
	// ErrUnknownKey: the ciphertext was sealed with a key that is not in the ring
	// (it was dropped too early, or the ring is misconfigured).
	ErrUnknownKey = errors.New("pdata: ciphertext sealed with a key not in PDATA_KEYS")
	// ErrTampered: authentication failed; the ciphertext was altered or belongs to
	// another key with the same id.
	ErrTampered = errors.New("pdata: ciphertext failed authentication")
)

type key struct {
	id   string
	aead cipher.AEAD
	raw  []byte
}

// Protector seals, opens and hashes personal data. It is safe for concurrent use.
type Protector struct {
	current *key
	keys    map[string]*key
	hashKey []byte
}

// Open parses cfg and returns a Protector. It rejects a ring that is empty, an
// entry that is not "id:base64", an id that is empty, too long, not of
// [A-Za-z0-9._-] or repeated, and any key (including the hash key) that does not
// decode to exactly 32 bytes. Error texts name the offending key id, never key material.
func Open(cfg Config) (*Protector, error) {
	p := &Protector{keys: map[string]*key{}}
	entries := strings.Split(cfg.Keys, ",")
	for i, entry := range entries {
		entry = strings.TrimSpace(entry)
		id, b64, ok := strings.Cut(entry, ":")
		if !ok || entry == "" {
			return nil, fmt.Errorf("pdata: PDATA_KEYS entry %d is not \"id:base64key\"", i+1)
		}
		if err := checkID(id); err != nil {
			return nil, fmt.Errorf("pdata: PDATA_KEYS entry %d: %w", i+1, err)
		}
		if _, dup := p.keys[id]; dup {
			return nil, fmt.Errorf("pdata: PDATA_KEYS has key id %q twice", id)
		}
		raw, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("pdata: PDATA_KEYS key %q: %w", id, err)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("pdata: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("pdata: key %q: %w", id, err)
		}
		k := &key{id: id, aead: aead, raw: raw}
		p.keys[id] = k
		if p.current == nil {
			p.current = k
		}
	}
	hk, err := decodeKey(cfg.HashKey)
	if err != nil {
		return nil, fmt.Errorf("pdata: PDATA_HASH_KEY: %w", err)
	}
	p.hashKey = hk
	return p, nil
}

func checkID(id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("key id must be 1..%d characters", maxIDLen)
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return fmt.Errorf("key id %q may contain only A-Z a-z 0-9 . _ -", id)
		}
	}
	return nil
}

func decodeKey(b64 string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, errors.New("not valid standard base64")
	}
	if len(raw) != KeySize {
		return nil, fmt.Errorf("decodes to %d bytes, want %d", len(raw), KeySize)
	}
	return raw, nil
}

// CurrentKeyID is the id of the key Seal uses.
func (p *Protector) CurrentKeyID() string { return p.current.id }

// UsesDevKeys reports whether any key of the ring, or the hash key, is the
// published development key. Production start-up should refuse such a Protector.
func (p *Protector) UsesDevKeys() bool {
	_, devKey, _ := strings.Cut(DevKeys, ":")
	dev, err1 := decodeKey(devKey)
	devHash, err2 := decodeKey(DevHashKey)
	if err1 != nil || err2 != nil {
		panic("pdata: the development keys do not decode")
	}
	for _, k := range p.keys {
		if subtle.ConstantTimeCompare(k.raw, dev) == 1 {
			return true
		}
	}
	return subtle.ConstantTimeCompare(p.hashKey, devHash) == 1
}

// Seal encrypts plaintext with the current key (AES-256-GCM, a fresh random
// 12-byte nonce per call, so sealing one value twice gives different outputs).
//
// The output is self-describing, so it opens after any later rotation as long as
// its key stays in the ring:
//
//	0x01 | len(id) (1 byte) | id | nonce (12 bytes) | GCM ciphertext and tag (16 bytes)
//
// The header (version, length, id) is authenticated as GCM additional data.
func (p *Protector) Seal(plaintext string) ([]byte, error) {
	k := p.current
	hdr := header(k.id)
	out := make([]byte, len(hdr)+nonceSize, len(hdr)+nonceSize+len(plaintext)+k.aead.Overhead())
	copy(out, hdr)
	nonce := out[len(hdr):]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("pdata: nonce: %w", err)
	}
	return k.aead.Seal(out, nonce, []byte(plaintext), hdr), nil
}

func header(id string) []byte {
	h := make([]byte, 0, 2+len(id))
	h = append(h, formatV1, byte(len(id)))
	return append(h, id...)
}

// parse splits a ciphertext into its key id, header, nonce and sealed body.
func parse(ct []byte) (id string, hdr, nonce, body []byte, err error) {
	if len(ct) < minSealLen || ct[0] != formatV1 {
		return "", nil, nil, nil, ErrMalformed
	}
	n := int(ct[1])
	if n == 0 || n > maxIDLen || len(ct) < 2+n+nonceSize+16 {
		return "", nil, nil, nil, ErrMalformed
	}
	hdr = ct[:2+n]
	return string(ct[2 : 2+n]), hdr, ct[2+n : 2+n+nonceSize], ct[2+n+nonceSize:], nil
}

// Open decrypts a ciphertext produced by Seal with any key of the ring. It fails
// with ErrMalformed, ErrUnknownKey or ErrTampered (wrapped); it never returns a
// partially decrypted value.
func (p *Protector) Open(ciphertext []byte) (string, error) {
	id, hdr, nonce, body, err := parse(ciphertext)
	if err != nil {
		return "", err
	}
	k, ok := p.keys[id]
	if !ok {
		return "", fmt.Errorf("%w (key id %q)", ErrUnknownKey, id)
	}
	pt, err := k.aead.Open(nil, nonce, body, hdr)
	if err != nil {
		return "", fmt.Errorf("%w (key id %q)", ErrTampered, id)
	}
	return string(pt), nil
}

// NeedsRotation reports whether ciphertext should be re-sealed: it was sealed with
// a key other than the current one. A malformed ciphertext also reports true, so
// that a re-encryption job calls Reseal on it and surfaces the error instead of
// skipping it silently.
func (p *Protector) NeedsRotation(ciphertext []byte) bool {
	id, _, _, _, err := parse(ciphertext)
	return err != nil || id != p.current.id
}

// Reseal opens ciphertext and, if it was sealed with an older key, seals the value
// again with the current key. changed is false (and out is ciphertext) when no
// re-sealing was needed. Use it in re-encryption jobs after prepending a new key.
func (p *Protector) Reseal(ciphertext []byte) (out []byte, changed bool, err error) {
	pt, err := p.Open(ciphertext)
	if err != nil {
		return nil, false, err
	}
	if !p.NeedsRotation(ciphertext) {
		return ciphertext, false, nil
	}
	out, err = p.Seal(pt)
	return out, err == nil, err
}

// Hash returns the 32-byte lookup hash HMAC-SHA256(hashKey, kind || 0x00 || normalized).
// It is deterministic for a given PDATA_HASH_KEY, so equal normalised values have
// equal hashes and a unique index on the hash finds duplicates. kind separates
// namespaces ("snils", "document", ...): equal values of different kinds hash
// differently. kind must not contain a NUL byte (it would make the encoding
// ambiguous); Hash panics if it does, as that is a programming error.
func (p *Protector) Hash(kind, normalized string) []byte {
	if strings.IndexByte(kind, 0) >= 0 {
		panic("pdata: Hash kind contains NUL")
	}
	m := hmac.New(sha256.New, p.hashKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(normalized))
	return m.Sum(nil)
}

// HashEqual compares two lookup hashes in constant time.
func HashEqual(a, b []byte) bool { return len(a) == len(b) && hmac.Equal(a, b) }

// KeyID returns the id of the key a ciphertext names, for diagnostics and
// re-encryption reports; ok is false for a malformed ciphertext. It does not
// authenticate anything.
func KeyID(ciphertext []byte) (id string, ok bool) {
	id, _, _, _, err := parse(ciphertext)
	return id, err == nil
}
