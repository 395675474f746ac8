// Package credential is build-portfolio's verifiable credentials: Open
// Badges 3.0 AchievementCredentials and CLR 2.0 ClrCredentials (W3C VC
// Data Model 2.0) signed with an Ed25519 key as a Data Integrity proof of
// the eddsa-rdfc-2022 suite and as a VC-JWT (EdDSA), a Bitstring Status
// List for revocation, and the verification of all of it.
//
// Guarantees:
//
//   - Contexts are pinned: the JSON-LD documents of every context a
//     credential may name ship in this package (contexts/) and no other is
//     ever fetched; a credential naming another fails with VerifyContext.
//   - Nothing unsigned passes: canonicalisation runs in JSON-LD safe mode,
//     so a member no context defines (which RDF canonicalisation would drop
//     and so leave unsigned) fails with VerifyUndefined instead.
//   - A verification names one reason, in the order a person can act on:
//     malformed, context, undefined, no proof, unknown key, signature, not
//     yet valid, expired, revoked.
package credential

import (
	"embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/piprate/json-gold/ld"
)

// Context URLs.
const (
	ContextVC2    = "https://www.w3.org/ns/credentials/v2"
	ContextVC1    = "https://www.w3.org/2018/credentials/v1"
	ContextOB     = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	ContextCLR    = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
	ContextDIv1   = "https://w3id.org/security/data-integrity/v1"
	MaxCredential = 512 << 10 // bytes: a whole portfolio's ClrCredential fits
)

//go:embed contexts/*
var contextFiles embed.FS

// pinned maps each context URL a credential may name to its shipped copy.
var pinned = map[string]string{
	ContextVC2:  "contexts/credentials-v2.jsonld",
	ContextVC1:  "contexts/credentials-v1.jsonld",
	ContextOB:   "contexts/ob-v3p0-3.0.3.json",
	ContextCLR:  "contexts/clr-v2p0-2.0.1.json",
	ContextDIv1: "contexts/data-integrity-v1.jsonld",
}

// PinnedContexts lists the context URLs this package knows.
func PinnedContexts() []string {
	out := make([]string, 0, len(pinned))
	for u := range pinned {
		out = append(out, u)
	}
	return out
}

// ErrContext is a context that is not pinned.
type ErrContext struct{ URL string }

func (e ErrContext) Error() string { return fmt.Sprintf("context %q is not pinned", e.URL) }

// loader is the json-gold document loader of the pinned contexts: parsed
// once, never fetched.
type loader struct{ docs map[string]any }

var (
	loaderOnce sync.Once
	theLoader  *loader
)

func pinnedLoader() *loader {
	loaderOnce.Do(func() {
		l := &loader{docs: map[string]any{}}
		for u, f := range pinned {
			b, err := contextFiles.ReadFile(f)
			if err != nil {
				panic(err)
			}
			var doc any
			if err := json.Unmarshal(b, &doc); err != nil {
				panic(fmt.Sprintf("credential: pinned context %s: %v", f, err))
			}
			l.docs[u] = doc
		}
		theLoader = l
	})
	return theLoader
}

// LoadDocument implements ld.DocumentLoader.
func (l *loader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	doc, ok := l.docs[u]
	if !ok {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, ErrContext{URL: u})
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// canonize is the RDF Dataset Canonicalization (RDFC-1.0, as URDNA2015) of
// doc in N-Quads, with the pinned contexts and in safe mode. (json-gold's
// Normalize drops the safe mode on its way to RDF, so the dataset is made
// here and then canonicalised.)
func canonize(doc map[string]any) (string, error) {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = pinnedLoader()
	opts.SafeMode = true
	opts.Format = ""
	dataset, err := ld.NewJsonLdProcessor().ToRDF(doc, opts)
	if err != nil {
		return "", err
	}
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.Format = "application/n-quads"
	out, err := ld.NewJsonLdApi().Normalize(dataset.(*ld.RDFDataset), opts)
	if err != nil {
		return "", err
	}
	s, _ := out.(string)
	return s, nil
}
