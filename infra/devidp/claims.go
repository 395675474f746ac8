package devidp

import "github.com/kuzbass/eko/infra/fixtures"

// personClaims are the ESIA-like claims of one person: what ESIA tells a
// relying party about a user or about each of a parent's children.
func personClaims(i fixtures.Identity) map[string]any {
	return map[string]any{
		"oid":         i.OID,
		"fullname":    i.FullName(),
		"family_name": i.FamilyName,
		"given_name":  i.GivenName,
		"middle_name": i.MiddleName,
		"birthdate":   i.BirthDate,
		"gender":      i.Gender,
		"snils":       i.SNILS,
		"id_doc": map[string]any{
			"type": i.Document.Type, "series": i.Document.Series, "number": i.Document.Number,
			"issued_by": i.Document.IssuedBy, "issue_date": i.Document.IssueDate,
		},
	}
}

// userClaims are every claim a token of login carries besides the registered
// JWT ones: the person, the account's trust level, the children and, for a
// child's account, the parent who created it.
func (s *Server) userClaims(i fixtures.Identity) map[string]any {
	c := personClaims(i)
	delete(c, "oid")
	c["name"] = i.FullName()
	c["preferred_username"] = i.Login
	c["trusted"] = i.Trusted
	if i.Email != "" {
		c["email"] = i.Email
	}
	if i.Phone != "" {
		c["phone_number"] = i.Phone
	}
	if i.CreatedBy != "" {
		if p, ok := s.set.Identity(i.CreatedBy); ok {
			c["created_by"] = p.OID
		}
	}
	var kids []map[string]any
	for _, login := range i.Children {
		if k, ok := s.set.Identity(login); ok {
			kids = append(kids, personClaims(k))
		}
	}
	if kids != nil {
		c["children"] = kids
	}
	return c
}
