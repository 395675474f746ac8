package credential

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
)

// The eddsa-rdfc-2022 test vector of 1EdTech's Open Badges 3.0
// specification (ob_v3p0/impl/linked-data-proof-ob.md).
const (
	vectorPublic     = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
	vectorPrivate    = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be44bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
	vectorMultikey   = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
	vectorProofCanon = `_:c14n0 <http://purl.org/dc/terms/created> "2010-01-01T19:23:24Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/security#DataIntegrityProof> .
_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022" .
_:c14n0 <https://w3id.org/security#proofPurpose> <https://w3id.org/security#assertionMethod> .
_:c14n0 <https://w3id.org/security#verificationMethod> <https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi> .
`
	vectorDocHash    = "d994aebd5e53f4af4495dbe9e1155410bae683811107c26acf83671075c163b3"
	vectorProofHash  = "3cf3c265b6c8ebb29b4d5ea310b87d2f31c79b633eff8af561d2e8c97a85c8cb"
	vectorSignature  = "17a898a91832fa58bd66433e18dc8256522bcf84382994c395c23c26cba71ff8060a2587390e5ed20c4decec45c0c0c9eec1f7d2d1ce91e1ffc992983a74a300"
	vectorProofValue = "zUSD5bjo6mYV1n9i9E6ZwUiHuj4JyZDjCDfDqoJcPi9XJrc9LYstik9mdBvutdwBdquWXjWrwJDVGJrAarvRs8uD"
)

func vectorKey(t testing.TB, id string) Key {
	t.Helper()
	priv, _ := hex.DecodeString(vectorPrivate)
	k, err := NewKey(id, ed25519.PrivateKey(priv).Seed())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The suite's steps reproduce 1EdTech's vector: the key as a Multikey, the
// canonical proof options from the proof and the pinned contexts, their
// hash, the data signed, the signature and the proof value.
func TestTheEdTechVector(t *testing.T) {
	k := vectorKey(t, "https://example.edu/issuers/565049#"+vectorMultikey)
	if hex.EncodeToString(k.Public) != vectorPublic || k.Multibase() != vectorMultikey {
		t.Fatalf("the key: %x %s", k.Public, k.Multibase())
	}
	if pub, err := ParseMultibaseKey(vectorMultikey); err != nil || !pub.Equal(k.Public) {
		t.Fatalf("the multikey read back: %x %v", pub, err)
	}
	proof := map[string]any{
		"@context":           []any{ContextVC1, ContextDIv1},
		"type":               ProofType,
		"created":            "2010-01-01T19:23:24Z",
		"verificationMethod": k.ID,
		"cryptosuite":        Cryptosuite,
		"proofPurpose":       ProofPurpose,
	}
	canon, err := canonize(proof)
	if err != nil {
		t.Fatal(err)
	}
	if canon != vectorProofCanon {
		t.Fatalf("the canonical proof options:\n%s\nwant\n%s", canon, vectorProofCanon)
	}
	data := HashCanonical(canon, "")
	if hex.EncodeToString(data[:32]) != vectorProofHash {
		t.Fatalf("the proof hash %x", data[:32])
	}
	docHash, _ := hex.DecodeString(vectorDocHash)
	signed := append(data[:32:32], docHash...)
	sig := ed25519.Sign(k.Private, signed)
	if hex.EncodeToString(sig) != vectorSignature || "z"+base58.Encode(sig) != vectorProofValue {
		t.Fatalf("the signature %x", sig)
	}
}

// A credential 1EdTech's own validator signed (VC 2.0, OB 3.0.3,
// eddsa-rdfc-2022) verifies with the pinned contexts, and fails once
// touched.
func TestTheEdTechValidatorsCredential(t *testing.T) {
	raw, err := os.ReadFile("testdata/1edtech-validator-ob30-simple.json")
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Keys: NewKeySet(vectorKey(t, "https://example.com/issuers/876543#"+vectorMultikey))}
	got := v.Verify(context.Background(), raw)
	if !got.Valid || got.IssuerName != "Example Corp" || len(got.Achievements) != 1 || got.Achievements[0].Name != "Teamwork" {
		t.Fatalf("1EdTech's credential: %+v", got)
	}
	tampered := strings.Replace(string(raw), `"name": "Teamwork"`, `"name": "Teamwork!"`, 1)
	if got := v.Verify(context.Background(), []byte(tampered)); got.Valid || got.Reason != buildportfolioapi.VerifySignature {
		t.Fatalf("a tampered copy: %+v", got)
	}
}

// ekoCredential is an AchievementCredential as EKO writes one.
func ekoCredential(issuer string, validFrom time.Time) map[string]any {
	return map[string]any{
		"@context":  []any{ContextVC2, ContextOB},
		"id":        "urn:uuid:0193b6c0-0000-7000-8000-0000000000aa",
		"type":      []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":    map[string]any{"id": issuer, "type": []any{"Profile"}, "name": "Министерство образования Кузбасса"},
		"validFrom": validFrom.UTC().Format(time.RFC3339),
		"name":      "Призёр муниципального этапа ВсОШ по математике",
		"credentialSubject": map[string]any{
			"id":   "urn:uuid:0193b6c0-0000-7000-8000-0000000000bb",
			"type": []any{"AchievementSubject"},
			"achievement": map[string]any{
				"id":          "urn:uuid:0193b6c0-0000-7000-8000-0000000000cc",
				"type":        []any{"Achievement"},
				"name":        "Муниципальный этап ВсОШ по математике",
				"description": "Олимпиада, муниципальный уровень, призёр",
				"criteria":    map[string]any{"narrative": "Подтверждено школой по скану диплома"},
			},
		},
	}
}

const ekoIssuer = "https://eko.kuzbass.ru/api/build-portfolio/issuer"

// What EKO signs verifies in both formats; a forged, tampered, re-signed,
// expired, not yet valid, wrongly-contexted or undefined-member credential
// fails with its reason.
func TestSignedCredentialsAndWhyTheyFail(t *testing.T) {
	key := vectorKey(t, ekoIssuer+"#key-1")
	other, _ := NewKey(ekoIssuer+"#key-1", make([]byte, 32))
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	v := &Verifier{Keys: NewKeySet(key), Now: func() time.Time { return now }}
	cred := ekoCredential(ekoIssuer, now.Add(-time.Hour))

	signed, err := SignDataIntegrity(cred, key, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	token, err := SignJWT(cred, key)
	if err != nil {
		t.Fatal(err)
	}
	asJSON := func(m map[string]any) []byte { b, _ := json.Marshal(m); return b }
	for name, raw := range map[string][]byte{"data integrity": asJSON(signed), "jwt": []byte(token)} {
		if got := v.Verify(context.Background(), raw); !got.Valid || got.Status != "active" || got.IssuerName == "" || len(got.Achievements) != 1 {
			t.Fatalf("%s: %+v", name, got)
		}
	}

	mutate := func(f func(m map[string]any)) []byte {
		m := clone(signed)
		f(m)
		return asJSON(m)
	}
	resigned, _ := SignDataIntegrity(cred, other, now)
	forgedJWT, _ := SignJWT(cred, other)
	parts := strings.Split(token, ".")
	tamperedJWT := parts[0] + "." + strings.TrimRight(parts[1], "A") + "B." + parts[2]
	expired := clone(cred)
	expired["validUntil"] = now.Add(-time.Minute).Format(time.RFC3339)
	expiredSigned, _ := SignDataIntegrity(expired, key, now.Add(-time.Hour))
	future := ekoCredential(ekoIssuer, now.Add(24*time.Hour))
	futureSigned, _ := SignDataIntegrity(future, key, now)
	big := make([]byte, MaxCredential+1)
	for i := range big {
		big[i] = ' '
	}
	big[0] = '{'
	for name, c := range map[string]struct {
		raw    []byte
		reason string
	}{
		"tampered": {mutate(func(m map[string]any) { m["name"] = "Победитель всероссийского этапа" }), buildportfolioapi.VerifySignature},
		"tampered deep": {mutate(func(m map[string]any) {
			m["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["description"] = "победитель"
		}), buildportfolioapi.VerifySignature},
		"re-signed":        {asJSON(resigned), buildportfolioapi.VerifySignature},
		"forged jwt":       {[]byte(forgedJWT), buildportfolioapi.VerifySignature},
		"tampered jwt":     {[]byte(tamperedJWT), buildportfolioapi.VerifySignature},
		"unknown key":      {mutate(func(m map[string]any) { m["proof"].(map[string]any)["verificationMethod"] = ekoIssuer + "#key-9" }), buildportfolioapi.VerifyUnknownKey},
		"someone else's":   {mutate(func(m map[string]any) { m["issuer"].(map[string]any)["id"] = "https://evil.example/issuer" }), buildportfolioapi.VerifyUnknownKey},
		"no proof":         {mutate(func(m map[string]any) { delete(m, "proof") }), buildportfolioapi.VerifyNoProof},
		"other suite":      {mutate(func(m map[string]any) { m["proof"].(map[string]any)["cryptosuite"] = "ecdsa-rdfc-2019" }), buildportfolioapi.VerifyNoProof},
		"unpinned context": {mutate(func(m map[string]any) { m["@context"] = []any{ContextVC2, "https://evil.example/ctx.json"} }), buildportfolioapi.VerifyContext},
		"vc 1.1 first":     {mutate(func(m map[string]any) { m["@context"] = []any{ContextVC1, ContextOB} }), buildportfolioapi.VerifyContext},
		"inline context":   {mutate(func(m map[string]any) { m["@context"] = []any{ContextVC2, map[string]any{"x": "https://x/"}} }), buildportfolioapi.VerifyContext},
		"undefined member": {mutate(func(m map[string]any) { m["grade"] = "5" }), buildportfolioapi.VerifyUndefined},
		"expired":          {asJSON(expiredSigned), buildportfolioapi.VerifyExpired},
		"not yet valid":    {asJSON(futureSigned), buildportfolioapi.VerifyNotYetValid},
		"not json":         {[]byte("{не json"), buildportfolioapi.VerifyMalformed},
		"not a credential": {[]byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["Thing"]}`), buildportfolioapi.VerifyMalformed},
		"oversize":         {big, buildportfolioapi.VerifyMalformed},
	} {
		if got := v.Verify(context.Background(), c.raw); got.Valid || got.Reason != c.reason || got.Problem == "" {
			t.Errorf("%s: %+v, want %s", name, got, c.reason)
		}
	}
}

// listSource serves status lists from a map.
type listSource map[string]map[string]any

func (s listSource) StatusList(_ context.Context, url string) (map[string]any, error) {
	if l, ok := s[url]; ok {
		return l, nil
	}
	return nil, os.ErrNotExist
}

// A credential whose entry is set in its signed status list is revoked; a
// status list signed by someone else is not believed; without a source
// the status is unchecked, not assumed.
func TestRevocationByStatusList(t *testing.T) {
	key := vectorKey(t, ekoIssuer+"#key-1")
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	const listURL = "https://eko.kuzbass.ru/api/build-portfolio/status/1"
	cred := ekoCredential(ekoIssuer, now.Add(-time.Hour))
	cred["@context"] = []any{ContextVC2, ContextOB}
	cred["credentialStatus"] = StatusEntry(listURL, 4242)
	signed, err := SignDataIntegrity(cred, key, now)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(signed)
	bits := make([]byte, StatusListBits/8)
	list := func(k Key) map[string]any {
		enc, err := EncodeStatusList(bits)
		if err != nil {
			t.Fatal(err)
		}
		l, err := SignDataIntegrity(StatusListCredential(listURL, ekoIssuer, now.Format(time.RFC3339), enc), k, now)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	v := &Verifier{Keys: NewKeySet(key), Now: func() time.Time { return now }}
	if got := v.Verify(context.Background(), raw); !got.Valid || got.Status != "unchecked" {
		t.Fatalf("offline: %+v", got)
	}
	v.Status = listSource{listURL: list(key)}
	if got := v.Verify(context.Background(), raw); !got.Valid || got.Status != "active" {
		t.Fatalf("active: %+v", got)
	}
	SetBit(bits, 4242)
	if !BitAt(bits, 4242) || BitAt(bits, 4241) || BitAt(bits, 4243) {
		t.Fatal("the bit order")
	}
	v.Status = listSource{listURL: list(key)}
	if got := v.Verify(context.Background(), raw); got.Valid || got.Reason != buildportfolioapi.VerifyRevoked || got.Status != "revoked" {
		t.Fatalf("revoked: %+v", got)
	}
	stranger, _ := NewKey(ekoIssuer+"#key-1", make([]byte, 32))
	v.Status = listSource{listURL: list(stranger)}
	if got := v.Verify(context.Background(), raw); got.Valid || got.Reason != buildportfolioapi.VerifyStatus {
		t.Fatalf("a forged list: %+v", got)
	}
}
