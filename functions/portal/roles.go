package portal

import (
	"strings"

	"github.com/kuzbass/eko/shared/access"
)

// Kinds of role the cabinet distinguishes.
const (
	kindOfficial = "official" // ministry, municipal authority, guardianship, KDN
	kindStaff    = "staff"    // director, deputy, teacher, class teacher, clerk
	kindParent   = "parent"   // all of a parent's children together
	kindStudent  = "student"
)

// roleOption is one entry of the role switcher.
type roleOption struct {
	Key   string // stored in the session as the active role
	Label string
	Kind  string
	Grant access.Grant // the grant behind it (the first child's, for the parent role)
}

// Home is the page a role starts on.
func (o roleOption) Home() string {
	switch o.Kind {
	case kindParent:
		return "/children"
	case kindStaff, kindOfficial:
		return "/organisation"
	}
	return "/profile"
}

func kindOf(r access.Role) string {
	switch r {
	case access.MinistryOfficial, access.MunicipalOfficial, access.GuardianshipOfficial, access.KDNOfficial:
		return kindOfficial
	case access.Director, access.DeputyDirector, access.Teacher, access.ClassTeacher, access.Clerk:
		return kindStaff
	case access.Parent:
		return kindParent
	case access.Student:
		return kindStudent
	}
	return ""
}

// roleOptions turns the registry's grants into the roles a person switches
// between: every staff or official grant and every enrollment on its own, and
// parenthood once, whatever the number of children. The profile grant that
// everyone holds is not a role to switch to.
func roleOptions(grants []access.Grant) []roleOption {
	var out, students []roleOption
	var parent *roleOption
	for _, g := range grants {
		switch kind := kindOf(g.Role); kind {
		case kindOfficial, kindStaff:
			out = append(out, roleOption{Key: grantKey(g), Label: labelOf(g), Kind: kind, Grant: g})
		case kindStudent:
			students = append(students, roleOption{Key: grantKey(g), Label: labelOf(g), Kind: kind, Grant: g})
		case kindParent:
			if parent == nil {
				parent = &roleOption{Key: kindParent, Label: "Родитель (законный представитель)", Kind: kindParent, Grant: g}
			}
		}
	}
	if parent != nil {
		out = append(out, *parent)
	}
	return append(out, students...)
}

func grantKey(g access.Grant) string {
	k := string(g.Role) + "|" + string(g.Scope) + "|" + g.ScopeID + "|" + g.OrganisationID
	if len(k) > 300 {
		k = k[:300]
	}
	return k
}

func labelOf(g access.Grant) string {
	if g.Label != "" {
		return g.Label
	}
	return string(g.Role)
}

// activeOf returns the option the session's active role names, or the first.
func activeOf(opts []roleOption, key string) *roleOption {
	for i := range opts {
		if opts[i].Key == key {
			return &opts[i]
		}
	}
	if len(opts) > 0 {
		return &opts[0]
	}
	return nil
}

// childNameOf finds a child's name in the parent's grants ("Родитель — Соколов Артём").
func childNameOf(grants []access.Grant, id string) string {
	for _, g := range grants {
		if g.Role == access.Parent && g.ScopeID == id {
			if _, name, ok := strings.Cut(g.Label, " — "); ok {
				return name
			}
		}
	}
	return ""
}

func hasRole(grants []access.Grant, kinds ...string) bool {
	for _, g := range grants {
		for _, k := range kinds {
			if kindOf(g.Role) == k {
				return true
			}
		}
	}
	return false
}
