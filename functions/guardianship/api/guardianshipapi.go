// Package guardianshipapi is guardianship's contract with the rest of EKO:
// the wire types of the guardianship authority's workplace (its wards,
// their tasks, the case notes and visits), its vocabulary, problem codes
// and a typed Client. It is the only part of guardianship another function
// or the portal imports.
package guardianshipapi

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "guardianship"
