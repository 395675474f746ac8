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

	"github.com/kuzbass/eko/shared/errs"
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

// sources are what a snapshot is made of, each read from its function.
type sources struct {
	municipalities []registryapi.Municipality
	organisations  []registryapi.Organisation
	programmes     []submitapplicationapi.Programme
	firstGradeYear int
	firstGrade     map[uuid.UUID]firstGrade // by municipality, its schools unnamed
	specialties    []collegeapi.Specialty
}

// loadDirectory reads the registry's directory and, when apps and colleges
// are set, every municipality's open programmes, next September's
// first-grade windows and places, and the colleges' specialties (no
// token: all of it is public).
func loadDirectory(ctx context.Context, reg *registryapi.Client, apps *submitapplicationapi.Client, colleges *collegeapi.Client, now time.Time) (*directory, error) {
	src := sources{firstGradeYear: kuzbass.AcademicYearOf(now) + 1, firstGrade: map[uuid.UUID]firstGrade{}}
	var err error
	if src.municipalities, err = reg.Municipalities(ctx); err != nil {
		return nil, err
	}
	if src.organisations, err = reg.AllOrganisations(ctx, registryapi.OrganisationFilter{}); err != nil {
		return nil, err
	}
	for _, m := range src.municipalities {
		if apps == nil {
			break
		}
		list, err := apps.Programmes(ctx, m.ID, true)
		if err != nil {
			return nil, err
		}
		src.programmes = append(src.programmes, list...)
		var g firstGrade
		if g.Windows, err = apps.Windows(ctx, m.ID, src.firstGradeYear); err != nil {
			return nil, err
		}
		places, err := apps.FirstGradePlaces(ctx, m.ID, src.firstGradeYear)
		if err != nil {
			return nil, err
		}
		for _, p := range places {
			g.Schools = append(g.Schools, schoolPlaces{FirstGradePlaces: p})
		}
		src.firstGrade[m.ID] = g
	}
	if colleges != nil {
		if src.specialties, err = colleges.Specialties(ctx, uuid.Nil, src.firstGradeYear); err != nil {
			return nil, err
		}
	}
	return newDirectory(src, now), nil
}

// newDirectory indexes src: the active organisations with their
// municipality, search keys and specialties, the programmes and the
// schools named, all sorted; its version is the digest of src.
func newDirectory(src sources, now time.Time) *directory {
	muns := src.municipalities
	slices.SortFunc(muns, func(a, b registryapi.Municipality) int { return strings.Compare(a.Name, b.Name) })
	names := map[uuid.UUID]registryapi.Municipality{}
	for _, m := range muns {
		names[m.ID] = m
	}
	d := &directory{loaded: now, municipalities: muns, byID: map[uuid.UUID]int{}, firstGrade: src.firstGrade, firstGradeYear: src.firstGradeYear}
	for _, o := range src.organisations {
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
	for _, s := range src.specialties {
		if i, ok := d.byID[s.OrganisationID]; ok {
			d.orgs[i].Specialties = append(d.orgs[i].Specialties, s)
		}
	}
	for _, p := range src.programmes {
		x := programme{Programme: p, Organisation: d.shortName(p.OrganisationID)}
		x.folded = fold(p.Name + " " + x.Organisation)
		x.grams = trigrams(x.folded)
		d.programmes = append(d.programmes, x)
	}
	slices.SortFunc(d.programmes, func(a, b programme) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Organisation, b.Organisation), strings.Compare(a.ID.String(), b.ID.String()))
	})
	for _, g := range d.firstGrade {
		for i := range g.Schools {
			g.Schools[i].School = d.shortName(g.Schools[i].OrganisationID)
		}
		slices.SortFunc(g.Schools, func(a, b schoolPlaces) int { return cmp.Compare(a.School, b.School) })
	}
	h := sha256.New()
	for _, part := range []any{muns, d.orgs, d.programmes, src.firstGrade, src.specialties} {
		_ = json.NewEncoder(h).Encode(part)
	}
	d.version = hex.EncodeToString(h.Sum(nil))[:16]
	return d
}

// shortName is the organisation's short name, or "" when the directory
// has no such active organisation.
func (d *directory) shortName(id uuid.UUID) string {
	if i, ok := d.byID[id]; ok {
		return d.orgs[i].ShortName
	}
	return ""
}

// municipality is the municipality of a query's parameter s, or the field
// error naming it when it is no municipality of the directory.
func (d *directory) municipality(s string) (*registryapi.Municipality, *errs.FieldError) {
	id, err := uuid.Parse(s)
	if i := slices.IndexFunc(d.municipalities, func(m registryapi.Municipality) bool { return m.ID == id }); err == nil && i >= 0 {
		return &d.municipalities[i], nil
	}
	return nil, &errs.FieldError{Field: "municipality", Code: errs.Unknown, Message: "такого муниципального образования нет в справочнике"}
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
