package registry

import (
	"context"
	"net/http"
	"testing"

	registryapi "github.com/kuzbass/eko/functions/registry/api"

	"github.com/kuzbass/eko/shared/pdata"
)

func TestResealRotatesKeys(t *testing.T) {
	w := newWorld(t) // sealed with the dev key
	id := w.addPerson(mother)
	w.addPerson(son)

	newKey := "k2:" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes, base64
	rotated, err := pdata.Open(pdata.Config{Keys: newKey + "," + pdata.DevKeys, HashKey: pdata.DevHashKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	n, err := Reseal(ctx, w.d.Pool, rotated, 1)
	if err != nil || n != 2 {
		t.Fatalf("resealed %d, %v", n, err)
	}
	if n, err := Reseal(ctx, w.d.Pool, rotated, 10); err != nil || n != 0 {
		t.Fatalf("second run resealed %d, %v", n, err)
	}
	// With the old key dropped, the data still open and lookups still work.
	onlyNew, err := pdata.Open(pdata.Config{Keys: newKey, HashKey: pdata.DevHashKey})
	if err != nil {
		t.Fatal(err)
	}
	w.f.pdata = onlyNew
	var p registryapi.Person
	w.mustDo(http.MethodGet, "/api/registry/people/"+id.String()+"?reveal=true", w.token(mother), nil, http.StatusOK, &p)
	if p.SNILS != "123-456-789 64" || p.Document.Number != "512345" {
		t.Fatalf("after rotation: %+v %+v", p, p.Document)
	}
}
