package pdata_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/kelseyhightower/envconfig"

	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/pdata"
)

func b64(fill byte, n int) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, n))
}

func mustOpen(t *testing.T, keys string) *pdata.Protector {
	t.Helper()
	p, err := pdata.Open(pdata.Config{Keys: keys, HashKey: b64(9, 32)})
	if err != nil {
		t.Fatalf("Open(%q): %v", keys, err)
	}
	return p
}

func TestSealOpenRoundTrip(t *testing.T) {
	p := mustOpen(t, "k1:"+b64(1, 32))
	for _, v := range []string{"", "12345678964", "I-ЛО|123456", strings.Repeat("я", 1000)} {
		ct, err := p.Seal(v)
		if err != nil {
			t.Fatal(err)
		}
		if len(v) > 3 && bytes.Contains(ct, []byte(v)) {
			t.Fatalf("ciphertext contains the plaintext")
		}
		got, err := p.Open(ct)
		if err != nil || got != v {
			t.Fatalf("Open(Seal(%.20q)) = %.20q, %v", v, got, err)
		}
		if id, ok := pdata.KeyID(ct); !ok || id != "k1" {
			t.Fatalf("KeyID = %q, %v", id, ok)
		}
	}
	a, _ := p.Seal("same")
	b, _ := p.Seal("same")
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
}

func TestOpenDetectsTampering(t *testing.T) {
	p := mustOpen(t, "k1:"+b64(1, 32))
	ct, err := p.Seal("12345678964")
	if err != nil {
		t.Fatal(err)
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if v, err := p.Open(bad); err == nil {
			t.Fatalf("flipping byte %d went unnoticed: %q", i, v)
		}
	}
	if _, err := p.Open(ct[:len(ct)-1]); !errors.Is(err, pdata.ErrTampered) {
		t.Fatalf("truncated ciphertext: %v", err)
	}
	body := bytes.Clone(ct)
	body[len(body)-1] ^= 0x80
	if _, err := p.Open(body); !errors.Is(err, pdata.ErrTampered) {
		t.Fatalf("altered tag: %v, want ErrTampered", err)
	}
	for _, junk := range [][]byte{nil, {}, {1}, []byte("plaintext that was never sealed")} {
		if _, err := p.Open(junk); !errors.Is(err, pdata.ErrMalformed) {
			t.Fatalf("Open(%q): %v, want ErrMalformed", junk, err)
		}
	}
	// The same key id with other key material: authentication fails.
	other := mustOpen(t, "k1:"+b64(2, 32))
	_, err = other.Open(ct)
	if !errors.Is(err, pdata.ErrTampered) {
		t.Fatalf("other key under the same id: %v", err)
	}
	if errs.CodeOf(err) != errs.Internal {
		t.Fatalf("a crypto failure has code %s, want internal (never shown to the caller)", errs.CodeOf(err))
	}
}

func TestRotation(t *testing.T) {
	oldRing := mustOpen(t, "old:"+b64(1, 32))
	ct, err := oldRing.Seal("12345678964")
	if err != nil {
		t.Fatal(err)
	}
	if oldRing.NeedsRotation(ct) {
		t.Fatal("fresh ciphertext needs rotation")
	}
	newRing := mustOpen(t, "new:"+b64(2, 32)+", old:"+b64(1, 32))
	if newRing.CurrentKeyID() != "new" {
		t.Fatalf("current key %q, want the first one", newRing.CurrentKeyID())
	}
	if got, err := newRing.Open(ct); err != nil || got != "12345678964" {
		t.Fatalf("old ciphertext under the new ring: %q, %v", got, err)
	}
	if !newRing.NeedsRotation(ct) {
		t.Fatal("ciphertext of the old key does not need rotation")
	}
	if !newRing.NeedsRotation([]byte("junk")) {
		t.Fatal("malformed ciphertext must be reported for re-encryption")
	}
	resealed, changed, err := newRing.Reseal(ct)
	if err != nil || !changed || newRing.NeedsRotation(resealed) {
		t.Fatalf("Reseal: changed=%v err=%v", changed, err)
	}
	if again, changed, err := newRing.Reseal(resealed); err != nil || changed || !bytes.Equal(again, resealed) {
		t.Fatalf("Reseal of a current ciphertext: changed=%v err=%v", changed, err)
	}
	// After the old key is dropped, the re-sealed value opens and the old one does not.
	dropped := mustOpen(t, "new:"+b64(2, 32))
	if got, err := dropped.Open(resealed); err != nil || got != "12345678964" {
		t.Fatalf("re-sealed value after drop: %q, %v", got, err)
	}
	if _, err := dropped.Open(ct); !errors.Is(err, pdata.ErrUnknownKey) {
		t.Fatalf("old ciphertext after the key was dropped: %v, want ErrUnknownKey", err)
	}
	// The old ring cannot read what the new key sealed.
	if _, err := oldRing.Open(resealed); !errors.Is(err, pdata.ErrUnknownKey) {
		t.Fatalf("old ring on new ciphertext: %v", err)
	}
}

func TestOpenValidatesConfig(t *testing.T) {
	good := b64(1, 32)
	cases := map[string]pdata.Config{
		"empty ring":       {Keys: "", HashKey: good},
		"no id":            {Keys: ":" + good, HashKey: good},
		"no colon":         {Keys: good, HashKey: good},
		"short key":        {Keys: "k:" + b64(1, 16), HashKey: good},
		"long key":         {Keys: "k:" + b64(1, 33), HashKey: good},
		"not base64":       {Keys: "k:!!!!", HashKey: good},
		"duplicate id":     {Keys: "k:" + good + ",k:" + b64(2, 32), HashKey: good},
		"bad id chars":     {Keys: "k 1:" + good, HashKey: good},
		"long id":          {Keys: strings.Repeat("k", 33) + ":" + good, HashKey: good},
		"trailing comma":   {Keys: "k:" + good + ",", HashKey: good},
		"short hash key":   {Keys: "k:" + good, HashKey: b64(1, 31)},
		"missing hash key": {Keys: "k:" + good},
	}
	for name, cfg := range cases {
		if _, err := pdata.Open(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), good) {
			t.Errorf("%s: the error reveals key material: %v", name, err)
		}
	}
}

func TestDevDefaults(t *testing.T) {
	for _, v := range []string{"PDATA_KEYS", "PDATA_HASH_KEY"} {
		t.Setenv(v, "") // restores the variable after the test
		os.Unsetenv(v)
	}
	var cfg pdata.Config
	if err := envconfig.Process("", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Keys != pdata.DevKeys || cfg.HashKey != pdata.DevHashKey {
		t.Fatalf("defaults %+v are not the documented dev keys", cfg)
	}
	p, err := pdata.Open(cfg)
	if err != nil {
		t.Fatalf("dev defaults do not open: %v", err)
	}
	if !p.UsesDevKeys() {
		t.Fatal("dev keys not recognised")
	}
	if mustOpen(t, "prod:"+b64(7, 32)).UsesDevKeys() {
		t.Fatal("production keys reported as dev keys")
	}
	_, devKey, _ := strings.Cut(pdata.DevKeys, ":")
	if !mustOpen(t, "prod:"+b64(7, 32)+",dev1:"+devKey).UsesDevKeys() {
		t.Fatal("a dev key left in the ring is not reported")
	}
}

func TestHash(t *testing.T) {
	p := mustOpen(t, "k1:"+b64(1, 32))
	h := p.Hash("snils", "12345678964")
	if len(h) != 32 {
		t.Fatalf("hash length %d", len(h))
	}
	if !pdata.HashEqual(h, p.Hash("snils", "12345678964")) {
		t.Fatal("hash not stable")
	}
	// Rotating the encryption ring does not change hashes.
	if !bytes.Equal(h, mustOpen(t, "k2:"+b64(2, 32)+",k1:"+b64(1, 32)).Hash("snils", "12345678964")) {
		t.Fatal("hash depends on the encryption ring")
	}
	if bytes.Equal(h, p.Hash("document", "12345678964")) {
		t.Fatal("kinds do not separate namespaces")
	}
}

func TestHashKindWithNULPanics(t *testing.T) {
	p := mustOpen(t, "k1:"+b64(1, 32))
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	p.Hash("a\x00b", "c")
}

func TestHashDependsOnHashKey(t *testing.T) {
	a, _ := pdata.Open(pdata.Config{Keys: "k:" + b64(1, 32), HashKey: b64(3, 32)})
	b, _ := pdata.Open(pdata.Config{Keys: "k:" + b64(1, 32), HashKey: b64(4, 32)})
	if bytes.Equal(a.Hash("snils", "12345678964"), b.Hash("snils", "12345678964")) {
		t.Fatal("hash does not depend on the hash key")
	}
}

func TestConcurrentUse(t *testing.T) {
	p := mustOpen(t, "k1:"+b64(1, 32))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				ct, err := p.Seal("12345678964")
				if err != nil {
					t.Error(err)
					return
				}
				if v, err := p.Open(ct); err != nil || v != "12345678964" {
					t.Error(v, err)
					return
				}
				p.Hash("snils", "12345678964")
			}
		}()
	}
	wg.Wait()
}
