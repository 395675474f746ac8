// Package postgradeapi is the journal's contract with the rest of EKO: the
// wire types of post-grade's API and events, its vocabulary (mark kinds with
// their weights, attendance statuses, kinds of academic period) and a typed
// Client. It is the only part of post-grade another function or the portal
// imports.
package postgradeapi

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "post-grade"
