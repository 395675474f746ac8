package publicsite

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	collegeapi "github.com/kuzbass/eko/functions/college/api"
	publicsiteapi "github.com/kuzbass/eko/functions/public-site/api"
	registryapi "github.com/kuzbass/eko/functions/registry/api"
	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"

	"github.com/kuzbass/eko/shared/kuzbass"
)

// directory is one snapshot of the registry's public directory: the
// municipalities and the active organisations, each with what a search
// compares, and the version every page and ETag is made from.
type directory struct {
	version        string // a digest of the content: the same registry, the same version
	loaded         time.Time
	municipalities []registryapi.Municipality
	orgs           []entry // by municipality, then by name
	byID           map[uuid.UUID]int
	programmes     []programme // the open additional-education programmes, by name
	// firstGrade is next September's admission to the first grade: each
	// municipality's windows and its schools' places.
	firstGrade     map[uuid.UUID]firstGrade
	firstGradeYear int
}

// firstGrade is a municipality's first-grade admission.
type firstGrade struct {
	Windows []submitapplicationapi.WindowView
	Schools []schoolPlaces // by the school's name
}

// schoolPlaces is a school's first grade with the school's name.
type schoolPlaces struct {
	submitapplicationapi.FirstGradePlaces
	School string
}

// programme is an open programme of the catalogue with its organisation's
// name and its search key.
type programme struct {
	submitapplicationapi.Programme
	Organisation string
	folded       string
	grams        []string
}

// entry is an organisation with its municipality and its search key.
type entry struct {
	registryapi.Organisation
	Municipality string
	OKTMO        string
	// Specialties are a college's specialties of next September's admission.
	Specialties []collegeapi.Specialty
	folded      string   // the names and the address, folded
	grams       []string // the trigrams of the names, the municipality and the address, sorted
}

// loadDirectory reads the registry's directory and, when apps is set, the
// open programmes of every municipality (no token: both are public).
func loadDirectory(ctx context.Context, reg *registryapi.Client, apps *submitapplicationapi.Client, colleges *collegeapi.Client, now time.Time) (*directory, error) {
	muns, err := reg.Municipalities(ctx)
	if err != nil {
		return nil, err
	}
	orgs, err := reg.AllOrganisations(ctx, registryapi.OrganisationFilter{})
	if err != nil {
		return nil, err
	}
	var progs []submitapplicationapi.Programme
	year := kuzbass.AcademicYearOf(now) + 1
	grades := map[uuid.UUID]firstGrade{}
	for _, m := range muns {
		if apps == nil {
			break
		}
		list, err := apps.Programmes(ctx, m.ID, true)
		if err != nil {
			return nil, err
		}
		progs = append(progs, list...)
		var g firstGrade
		if g.Windows, err = apps.Windows(ctx, m.ID, year); err != nil {
			return nil, err
		}
		places, err := apps.FirstGradePlaces(ctx, m.ID, year)
		if err != nil {
			return nil, err
		}
		for _, p := range places {
			g.Schools = append(g.Schools, schoolPlaces{FirstGradePlaces: p})
		}
		grades[m.ID] = g
	}
	d := newDirectory(muns, orgs, progs, now)
	d.firstGrade, d.firstGradeYear = grades, year
	var specialties []collegeapi.Specialty
	if colleges != nil {
		if specialties, err = colleges.Specialties(ctx, uuid.Nil, year); err != nil {
			return nil, err
		}
	}
	for _, s := range specialties {
		if i, ok := d.byID[s.OrganisationID]; ok {
			d.orgs[i].Specialties = append(d.orgs[i].Specialties, s)
		}
	}
	for m, g := range d.firstGrade {
		for i := range g.Schools {
			if j, ok := d.byID[g.Schools[i].OrganisationID]; ok {
				g.Schools[i].School = d.orgs[j].ShortName
			}
		}
		slices.SortFunc(g.Schools, func(a, b schoolPlaces) int { return cmp.Compare(a.School, b.School) })
		d.firstGrade[m] = g
	}
	// The version covers what the pages show of the first grade too.
	h := sha256.New()
	_, _ = h.Write([]byte(d.version))
	_ = json.NewEncoder(h).Encode(grades)
	_ = json.NewEncoder(h).Encode(specialties)
	d.version = hex.EncodeToString(h.Sum(nil))[:16]
	return d, nil
}

func newDirectory(muns []registryapi.Municipality, orgs []registryapi.Organisation, progs []submitapplicationapi.Programme, now time.Time) *directory {
	slices.SortFunc(muns, func(a, b registryapi.Municipality) int { return strings.Compare(a.Name, b.Name) })
	names := map[uuid.UUID]registryapi.Municipality{}
	for _, m := range muns {
		names[m.ID] = m
	}
	d := &directory{loaded: now, municipalities: muns, byID: map[uuid.UUID]int{}}
	for _, o := range orgs {
		if o.Status != "" && o.Status != "active" {
			continue
		}
		e := entry{Organisation: o}
		if o.MunicipalityID != nil {
			e.Municipality, e.OKTMO = names[*o.MunicipalityID].Name, names[*o.MunicipalityID].OKTMO
		}
		e.folded = fold(o.ShortName + " " + o.FullName + " " + o.Address)
		e.grams = trigrams(fold(o.ShortName + " " + o.FullName + " " + e.Municipality + " " + o.Address))
		d.orgs = append(d.orgs, e)
	}
	slices.SortFunc(d.orgs, func(a, b entry) int {
		return cmp.Or(strings.Compare(a.Municipality, b.Municipality), strings.Compare(a.ShortName, b.ShortName), strings.Compare(a.ID.String(), b.ID.String()))
	})
	for i, e := range d.orgs {
		d.byID[e.ID] = i
	}
	for _, p := range progs {
		x := programme{Programme: p}
		if i, ok := d.byID[p.OrganisationID]; ok {
			x.Organisation = d.orgs[i].ShortName
		}
		x.folded = fold(p.Name + " " + x.Organisation)
		x.grams = trigrams(x.folded)
		d.programmes = append(d.programmes, x)
	}
	slices.SortFunc(d.programmes, func(a, b programme) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Organisation, b.Organisation), strings.Compare(a.ID.String(), b.ID.String()))
	})
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(muns)
	for _, e := range d.orgs {
		_ = json.NewEncoder(h).Encode(e.Organisation)
	}
	for _, p := range d.programmes {
		_ = json.NewEncoder(h).Encode(p.Programme)
	}
	d.version = hex.EncodeToString(h.Sum(nil))[:16]
	return d
}

// query is what a visitor asks of the directory.
type query struct {
	Municipality uuid.UUID
	Kind         string
	Text         string
}

// find is the organisations matching q: of the municipality and the kind
// asked, and — with a text — those whose names or address hold it, or
// whose names share at least half of its trigrams (a typo, ё for е, a
// missing «№»), the closest first.
func (d *directory) find(q query) []*entry {
	folded, grams := searchKey(q.Text)
	type hit struct {
		e     *entry
		score float64
	}
	var hits []hit
	for i := range d.orgs {
		e := &d.orgs[i]
		if q.Municipality != uuid.Nil && (e.MunicipalityID == nil || *e.MunicipalityID != q.Municipality) || q.Kind != "" && e.Kind != q.Kind {
			continue
		}
		score := match(folded, grams, e.folded, e.grams)
		if e.INN == strings.TrimSpace(q.Text) {
			score = 2
		}
		if score == 0 {
			continue
		}
		hits = append(hits, hit{e, score})
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.score, a.score) })
	out := make([]*entry, len(hits))
	for i, h := range hits {
		out[i] = h.e
	}
	return out
}

// open is the organisation as the open dataset has it.
func (e *entry) open() publicsiteapi.OpenOrganisation {
	o := publicsiteapi.OpenOrganisation{ID: e.ID, Kind: e.Kind, KindTitle: registryapi.OrganisationKindTitles[e.Kind], FullName: e.FullName,
		ShortName: e.ShortName, INN: e.INN, OGRN: e.OGRN, Municipality: e.Municipality, OKTMO: e.OKTMO, Address: e.Address,
		Phone: e.Phone, Email: e.Email, Website: e.Website}
	if l := e.Licence; l != nil {
		o.LicenceNumber, o.LicenceDate, o.LicenceIssuer = l.Number, l.Date, l.Issuer
	}
	return o
}
