package credential

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mr-tron/base58"
)

// The Data Integrity proof EKO makes and verifies.
const (
	ProofType     = "DataIntegrityProof"
	Cryptosuite   = "eddsa-rdfc-2022"
	ProofPurpose  = "assertionMethod"
	proofValueKey = "proofValue"
)

// SignDataIntegrity returns cred with a Data Integrity proof of the
// eddsa-rdfc-2022 suite made with key at created: the SHA-256 of the
// canonical proof options followed by the SHA-256 of the canonical
// credential, signed with Ed25519, as base58btc multibase.
func SignDataIntegrity(cred map[string]any, key Key, created time.Time) (map[string]any, error) {
	if key.Private == nil {
		return nil, errors.New("credential: signing needs a private key")
	}
	doc := clone(cred)
	delete(doc, "proof")
	options := map[string]any{
		"type":               ProofType,
		"cryptosuite":        Cryptosuite,
		"created":            created.UTC().Truncate(time.Second).Format(time.RFC3339),
		"verificationMethod": key.ID,
		"proofPurpose":       ProofPurpose,
	}
	data, err := hashData(options, doc)
	if err != nil {
		return nil, err
	}
	options[proofValueKey] = "z" + base58.Encode(ed25519.Sign(key.Private, data))
	doc["proof"] = options
	return doc, nil
}

// hashData is what eddsa-rdfc-2022 signs: SHA-256 of the canonical proof
// options (with the document's @context) then SHA-256 of the canonical
// document without its proof.
func hashData(options, doc map[string]any) ([]byte, error) {
	cfg := clone(options)
	delete(cfg, proofValueKey)
	if ctx, ok := doc["@context"]; ok {
		cfg["@context"] = ctx
	}
	pc, err := canonize(cfg)
	if err != nil {
		return nil, fmt.Errorf("the proof options: %w", err)
	}
	dc, err := canonize(doc)
	if err != nil {
		return nil, err
	}
	return HashCanonical(pc, dc), nil
}

// HashCanonical is SHA-256(proof options) ‖ SHA-256(document) of their
// canonical N-Quads.
func HashCanonical(proofNQuads, docNQuads string) []byte {
	p := sha256.Sum256([]byte(proofNQuads))
	d := sha256.Sum256([]byte(docNQuads))
	return append(p[:], d[:]...)
}

// proofsOf lists the proofs of a secured document (one, or a set).
func proofsOf(doc map[string]any) []map[string]any {
	switch p := doc["proof"].(type) {
	case map[string]any:
		return []map[string]any{p}
	case []any:
		var out []map[string]any
		for _, e := range p {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// verifyProof checks one eddsa-rdfc-2022 proof of doc with pub.
func verifyProof(doc, proof map[string]any, pub ed25519.PublicKey) (bool, error) {
	value, _ := proof[proofValueKey].(string)
	sig, err := decodeMultibase(value)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false, nil
	}
	if created, ok := proof["created"].(string); ok {
		if _, err := time.Parse(time.RFC3339, created); err != nil {
			return false, nil
		}
	}
	unsecured := clone(doc)
	delete(unsecured, "proof")
	data, err := hashData(proof, unsecured)
	if err != nil {
		return false, err
	}
	return ed25519.Verify(pub, data, sig), nil
}

// clone is a deep copy of a JSON object.
func clone(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
