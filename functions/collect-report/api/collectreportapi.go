// Package collectreportapi is collect-report's contract with the rest of
// EKO: the wire types of its API (form definitions, and next campaigns and
// submissions), its vocabulary and problem codes, and a typed Client. It is
// the only part of collect-report another function or the portal imports.
package collectreportapi

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "collect-report"
