package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/kuzbass/eko/functions/registry"
	"github.com/kuzbass/eko/functions/registry/seed"
	"github.com/kuzbass/eko/infra/fixtures"
	"github.com/kuzbass/eko/shared/db/dbtest"
	"github.com/kuzbass/eko/shared/pdata"
	"github.com/kuzbass/eko/shared/platform"
)

func TestSmallSeedHoldsEveryFixtureConsistently(t *testing.T) {
	d := dbtest.MustOpen(t, platform.Schema(), registry.Schema())
	p, err := pdata.Open(pdata.Config{Keys: pdata.DevKeys, HashKey: pdata.DevHashKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	st, err := seed.Run(ctx, d.Pool, p, fixtures.MustLoad(), seed.Options{Scale: seed.Small, Today: today, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("small seed: %+v", st)
	if st.Municipalities != 2 || st.Organisations < 14 || st.People < 1000 || st.Enrollments < 500 || st.Links < 500 {
		t.Fatalf("small seed too small: %+v", st)
	}

	// Every fixture person exists once with the SNILS of the token.
	fx := fixtures.MustLoad()
	for _, i := range fx.Identities {
		digits, _ := pdata.NormalizeSNILS(i.SNILS)
		var n int
		if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM registry.people WHERE snils_hash = $1 AND family_name = $2 AND birth_date = $3`,
			p.Hash("snils", digits), i.FamilyName, i.BirthDate).Scan(&n); err != nil || n != 1 {
			t.Fatalf("fixture %s: %d persons (%v)", i.Login, n, err)
		}
	}
	// student1 is in 6А of school No. 1 and parent1 is the mother of student1 and kid1.
	var class, school string
	if err := d.Pool.QueryRow(ctx, `
		SELECT c.name, o.code FROM registry.enrollments e
		JOIN registry.people p ON p.id = e.person_id
		JOIN registry.classes c ON c.id = e.class_id JOIN registry.organisations o ON o.id = e.organisation_id
		WHERE p.family_name = 'Соколов' AND p.given_name = 'Артём' AND p.birth_date = '2015-05-20'`).Scan(&class, &school); err != nil {
		t.Fatal(err)
	}
	if class != "6А" || school != "school-1-kemerovo" {
		t.Fatalf("student1 in %s of %s", class, school)
	}
	var kids int
	if err := d.Pool.QueryRow(ctx, `
		SELECT count(*) FROM registry.parent_links l JOIN registry.people p ON p.id = l.parent_id
		WHERE p.family_name = 'Соколова' AND p.given_name = 'Анна' AND p.birth_date = '1987-04-12' AND l.relation = 'mother'`).Scan(&kids); err != nil || kids != 2 {
		t.Fatalf("parent1 has %d children (%v)", kids, err)
	}
	// Generated children are of the right age for their grade.
	var wrong int
	if err := d.Pool.QueryRow(ctx, `
		SELECT count(*) FROM registry.enrollments e JOIN registry.classes c ON c.id = e.class_id
		JOIN registry.people p ON p.id = e.person_id
		WHERE c.grade IS NOT NULL AND date_part('year', age('2026-09-01', p.birth_date)) NOT BETWEEN c.grade + 5 AND c.grade + 7`).Scan(&wrong); err != nil || wrong != 0 {
		t.Fatalf("%d pupils of the wrong age for their grade (%v)", wrong, err)
	}
	// A second seed into the same registry is refused.
	if _, err := seed.Run(ctx, d.Pool, p, fx, seed.Options{Scale: seed.Small, Today: today}); err == nil {
		t.Fatal("seeding a non-empty registry succeeded")
	}
}
