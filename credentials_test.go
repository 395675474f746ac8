package eko_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kuzbass/eko"
	buildportfolioapi "github.com/kuzbass/eko/functions/build-portfolio/api"
	"github.com/kuzbass/eko/functions/build-portfolio/credential"
)

// `eko verify` works offline: a credential of the development key is
// valid only when told to trust it, or given the issuer's key set; nobody
// else's key is trusted; revocation is said to be unchecked, not assumed.
func TestVerifyOffline(t *testing.T) {
	key := credential.DevelopmentKey(eko.DefaultIssuer)
	now := time.Now()
	cred := map[string]any{
		"@context":  []any{credential.ContextVC2, credential.ContextOB},
		"id":        "urn:uuid:0193b6c0-0000-7000-8000-0000000000aa",
		"type":      []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":    map[string]any{"id": eko.DefaultIssuer, "type": []any{"Profile"}, "name": "Министерство образования Кузбасса"},
		"validFrom": now.Add(-time.Hour).UTC().Format(time.RFC3339),
		"name":      "Знак ГТО",
		"credentialSubject": map[string]any{"type": []any{"AchievementSubject"}, "achievement": map[string]any{
			"id": "urn:uuid:0193b6c0-0000-7000-8000-0000000000cc", "type": []any{"Achievement"}, "name": "Золотой знак ГТО",
			"criteria": map[string]any{"narrative": "—"}}},
		"credentialStatus": credential.StatusEntry("https://eko.kuzbass.ru/api/build-portfolio/status/1", 7),
	}
	signed, err := credential.SignDataIntegrity(cred, key, now)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(signed)
	ctx := context.Background()
	if v, _ := eko.VerifyCredential(ctx, raw, eko.VerifyOptions{}); v.Valid || v.Reason != buildportfolioapi.VerifyUnknownKey {
		t.Fatalf("the development key trusted by default: %+v", v)
	}
	if v, _ := eko.VerifyCredential(ctx, raw, eko.VerifyOptions{Dev: true}); !v.Valid || v.Status != "unchecked" || !v.Development {
		t.Fatalf("with -dev: %+v", v)
	}
	jwks, err := credential.JWKS(key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(file, jwks, 0o644); err != nil {
		t.Fatal(err)
	}
	if v, _ := eko.VerifyCredential(ctx, raw, eko.VerifyOptions{KeysFile: file}); !v.Valid {
		t.Fatalf("with the issuer's key set: %+v", v)
	}
	seed, pub, err := eko.NewCredentialKey(eko.DefaultIssuer, "key-2")
	if err != nil || len(seed) != 43 {
		t.Fatalf("keygen: %q %v", seed, err)
	}
	if set, err := credential.ParseJWKS(pub); err != nil || len(set.Keys()) != 1 {
		t.Fatalf("keygen's key set: %s %v", pub, err)
	}
}
