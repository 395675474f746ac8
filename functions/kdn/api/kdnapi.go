// Package kdnapi is kdn's contract with the rest of EKO: the wire types of
// the juvenile-affairs commission's cases, their vocabulary, problem codes,
// events and a typed Client. It is the only part of kdn another function or
// the portal imports.
package kdnapi

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "kdn"
