package eko

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"time"

	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	"github.com/kuzbass/eko/functions/build-portfolio/credential"
)

// DefaultIssuer is the issuer EKO's credentials name in production
// (EKO_PUBLIC_URL https://eko.kuzbass.ru).
const DefaultIssuer = "https://eko.kuzbass.ru/api/" + buildportfolioapi.Name + "/issuer"

// VerifyOptions say whom `eko verify` trusts besides the keys shipped with
// EKO (trusted-keys.json of build-portfolio's credential package).
type VerifyOptions struct {
	// KeysFile is a JSON Web Key Set to trust as well (the issuer's
	// /api/build-portfolio/issuer/jwks.json, saved).
	KeysFile string
	// Dev trusts the development key of Issuer: what `make run` signs with.
	Dev    bool
	Issuer string
	Now    time.Time
}

// VerifyCredential verifies a credential offline: the pinned contexts, the
// trusted keys, no network (revocation is reported as not checked).
func VerifyCredential(ctx context.Context, raw []byte, o VerifyOptions) (buildportfolioapi.Verification, error) {
	keys := credential.TrustedKeys()
	if o.KeysFile != "" {
		b, err := os.ReadFile(o.KeysFile)
		if err != nil {
			return buildportfolioapi.Verification{}, err
		}
		extra, err := credential.ParseJWKS(b)
		if err != nil {
			return buildportfolioapi.Verification{}, err
		}
		keys = keys.With(extra.Keys()...)
	}
	if o.Dev {
		issuer := o.Issuer
		if issuer == "" {
			issuer = DefaultIssuer
		}
		keys = keys.With(credential.DevelopmentKey(issuer))
	}
	v := &credential.Verifier{Keys: keys}
	if !o.Now.IsZero() {
		v.Now = func() time.Time { return o.Now }
	}
	return v.Verify(ctx, raw), nil
}

// NewCredentialKey makes a signing key for CREDENTIAL_KEY: the secret seed
// and the public key to add to trusted-keys.json, for key id (the fragment)
// of the issuer.
func NewCredentialKey(issuer, id string) (seed string, jwks []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	k, err := credential.NewKey(fmt.Sprintf("%s#%s", issuer, id), b)
	if err != nil {
		return "", nil, err
	}
	jwks, err = credential.JWKS(k)
	return base64.RawURLEncoding.EncodeToString(b), jwks, err
}
