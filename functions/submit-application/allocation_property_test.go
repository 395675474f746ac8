package submitapplication

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"
)

// randomInstance is an allocation of a few kindergartens and candidates:
// with common, each candidate's privilege is the same in all its preferences.
func randomInstance(rnd *rand.Rand, common bool) ([]candidate, map[placeKey]int) {
	kgs := make([]uuid.UUID, 1+rnd.IntN(6))
	for i := range kgs {
		kgs[i] = uuid.New()
	}
	groups := []string{"general", "short_stay"}[:1+rnd.IntN(2)]
	places := map[placeKey]int{}
	for _, kg := range kgs {
		for band := int16(2); band <= 3; band++ {
			for _, g := range groups {
				if n := rnd.IntN(4); n > 0 || rnd.IntN(2) == 0 {
					places[placeKey{kg, band, g}] = n
				}
			}
		}
	}
	cands := make([]candidate, rnd.IntN(30))
	for i := range cands {
		c := candidate{app: uuid.New(), band: int16(2 + rnd.IntN(2)), group: groups[rnd.IntN(len(groups))]}
		rank := int16(1 + rnd.IntN(4))
		for _, j := range rnd.Perm(len(kgs))[:1+rnd.IntN(len(kgs))] {
			c.preferences = append(c.preferences, kgs[j])
			if !common {
				rank = int16(1 + rnd.IntN(4))
			}
			c.ranks = append(c.ranks, rank)
		}
		cands[i] = c
	}
	// Arrival is the order of receipt; the list is in order of the best rank, then arrival.
	for i := range cands {
		cands[i].arrival = i
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return int(slices.Min(a.ranks)) - int(slices.Min(b.ranks)) })
	return cands, places
}

// before says whether a stands before b in the queue of a's preference i
// and b's preference j (the same kindergarten).
func before(a *candidate, i int, b *candidate, j int) bool {
	if a.rank(i) != b.rank(j) {
		return a.rank(i) < b.rank(j)
	}
	return a.arrival < b.arrival
}

// TestAllocationIsStableAndNonWasteful: on thousands of random instances
// with privileges that differ between kindergartens, no child is refused a
// kindergarten whose place went to a child behind it in that kindergarten's
// queue, no place a child wanted is left free, no group gets more children
// than places, and every preference up to the one given is explained.
func TestAllocationIsStableAndNonWasteful(t *testing.T) {
	rnd := rand.New(rand.NewPCG(29, 2021))
	for n := range 3000 {
		cands, places := randomInstance(rnd, false)
		results := allocate(cands, places)
		if !bytes.Equal(digestOf(results), digestOf(allocate(cands, places))) {
			t.Fatalf("instance %d: two runs on the same input differ", n)
		}
		type seat struct{ cand, pref int }
		given := map[placeKey][]seat{}
		for i, r := range results {
			if r.app != cands[i].app {
				t.Fatalf("instance %d: result %d is not candidate %d", n, i, i)
			}
			if r.outcome == outcomeDirected {
				p := int(*r.preference) - 1
				given[placeKey{cands[i].preferences[p], cands[i].band, cands[i].group}] = append(given[placeKey{cands[i].preferences[p], cands[i].band, cands[i].group}], seat{i, p})
			}
		}
		for k, seats := range given {
			if len(seats) > places[k] {
				t.Fatalf("instance %d: %d children in a group of %d places", n, len(seats), places[k])
			}
		}
		for i, r := range results {
			c := &cands[i]
			upTo := len(c.preferences)
			if r.outcome == outcomeDirected {
				upTo = int(*r.preference) - 1
				if len(r.reasons) != upTo+1 || r.reasons[upTo] != reasonDirected {
					t.Fatalf("instance %d: candidate %d directed to preference %d explained %v", n, i, upTo+1, r.reasons)
				}
			} else if len(r.reasons) != len(c.preferences) {
				t.Fatalf("instance %d: candidate %d not directed, %d preferences explained of %d", n, i, len(r.reasons), len(c.preferences))
			}
			for j := range upTo {
				k := placeKey{c.preferences[j], c.band, c.group}
				switch {
				case places[k] <= 0:
					if r.reasons[j] != reasonNoPlaces {
						t.Fatalf("instance %d: candidate %d preference %d has no places but says %q", n, i, j+1, r.reasons[j])
					}
				case len(given[k]) < places[k]:
					t.Fatalf("instance %d: candidate %d was refused preference %d with a place left there (wasteful)", n, i, j+1)
				default:
					if r.reasons[j] != reasonTaken {
						t.Fatalf("instance %d: candidate %d preference %d taken but says %q", n, i, j+1, r.reasons[j])
					}
					for _, s := range given[k] {
						if !before(&cands[s.cand], s.pref, c, j) {
							t.Fatalf("instance %d: candidate %d was refused preference %d whose place went to candidate %d behind it there (justified envy)",
								n, i, j+1, s.cand)
						}
					}
				}
			}
		}
	}
}

// serialDictatorship is the allocation with one common order: each
// candidate in turn takes its first preference with a free place.
func serialDictatorship(cands []candidate, places map[placeKey]int) []allocationResult {
	free := map[placeKey]int{}
	for k, n := range places {
		free[k] = n
	}
	out := make([]allocationResult, len(cands))
	for i, c := range cands {
		r := allocationResult{ordinal: int32(i + 1), app: c.app, outcome: outcomeNotDirected, band: c.band, group: c.group,
			privilege: c.privilege, preferences: c.preferences, reasons: []string{}}
		for j, kg := range c.preferences {
			k := placeKey{kg, c.band, c.group}
			if free[k] > 0 {
				free[k]--
				pref := int16(j + 1)
				r.outcome, r.kindergarten, r.preference = outcomeDirected, &c.preferences[j], &pref
				r.reasons = append(r.reasons, reasonDirected)
				break
			}
			if places[k] > 0 {
				r.reasons = append(r.reasons, reasonTaken)
			} else {
				r.reasons = append(r.reasons, reasonNoPlaces)
			}
		}
		out[i] = r
	}
	return out
}

// TestAllocationWithOneOrderIsTheQueueOrder: when every kindergarten ranks
// the children alike, deferred acceptance gives what one pass in queue
// order gives (the allocation before privileges differed per kindergarten),
// to the digest.
func TestAllocationWithOneOrderIsTheQueueOrder(t *testing.T) {
	rnd := rand.New(rand.NewPCG(236, 273))
	for n := range 3000 {
		cands, places := randomInstance(rnd, true)
		if got, want := allocate(cands, places), serialDictatorship(cands, places); !bytes.Equal(digestOf(got), digestOf(want)) {
			t.Fatalf("instance %d: deferred acceptance %+v, one pass in queue order %+v", n, got, want)
		}
	}
}
