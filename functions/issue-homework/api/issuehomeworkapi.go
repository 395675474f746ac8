// Package issuehomeworkapi is issue-homework's contract with the rest of EKO:
// the wire types of its API and events, its vocabulary (submission states,
// review decisions, the files it accepts) and a typed Client. It is the only
// part of issue-homework another function or the portal imports.
package issuehomeworkapi

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "issue-homework"
