package portal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	publicsiteapi "github.com/kuzbass/eko/functions/public-site/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// The story for the public site in Chromium, phone-sized, with no
// login: an anonymous visitor finds school No. 1 in the directory by a
// search with a typo and opens its card with the licence; then checks
// kid1's kindergarten application by its number and her birth date.
func TestBrowserPublicSite(t *testing.T) {
	ctx := headless(t)
	day := time.Date(kuzbass.AcademicYearOf(time.Now()), time.December, 7, 0, 0, 0, 0, time.UTC)
	w := newWorld(t, worldOptions{year: day})
	// The site reads its snapshot in the background; read it now.
	if err := w.sys.Function(publicsiteapi.Name).(interface{ Refresh(context.Context) error }).Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	var number, birth string
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT number, to_char(child_birth_date, 'YYYY-MM-DD') FROM applications.applications
		WHERE child_id = $1 AND service = 'kindergarten'`, w.ids["kid1"]).Scan(&number, &birth); err != nil {
		t.Fatal(err)
	}
	base := w.server.URL
	do, text := drive(t, ctx)
	typeIn := func(sel, value string) {
		t.Helper()
		if !evaluate[bool](t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = %q; return true; })()`, sel, value)) {
			t.Fatalf("no field %s", sel)
		}
	}
	do("viewport", chromedp.EmulateViewport(390, 844))
	do("the front page", chromedp.Navigate(base+"/public-site/"), chromedp.WaitVisible(chromedp.ID("q")))
	typeIn("#q", "шкала 1")
	do("search with a typo", chromedp.Submit(chromedp.ID("q")), chromedp.WaitVisible(chromedp.CSS(`li.org[data-id="`+w.ids["school-1-kemerovo"]+`"]`)))
	do("open the card", chromedp.Click(chromedp.CSS(`li.org[data-id="`+w.ids["school-1-kemerovo"]+`"] a`)), chromedp.WaitVisible(chromedp.ID("org-licence")))
	if s := text("#org-name"); s != "МБОУ «СОШ № 1»" {
		t.Fatalf("the card: %q", s)
	}
	do("the queue check", chromedp.Click(chromedp.ID("nav-queue")), chromedp.WaitVisible(chromedp.ID("queue-form")))
	typeIn("#number", number)
	typeIn("#birth_date", birth)
	do("check kid1's application", chromedp.Click(chromedp.ID("check")), chromedp.WaitVisible(chromedp.ID("queue-places")))
	row := text(`#queue-places tr[data-kindergarten-id="` + w.ids["kg-1-kemerovo"] + `"]`)
	if !strings.Contains(row, "МБДОУ «Детский сад № 1»") || !strings.Contains(row, " из ") {
		t.Fatalf("kid1's place: %q", row)
	}
}
