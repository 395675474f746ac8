// Package buildportfolioapi is build-portfolio's contract with the rest of
// EKO: the wire types of its API and events, its vocabulary (the kinds of
// achievements, their levels and results, the sources and states) and a typed
// Client. It is the only part of build-portfolio another function or the
// portal imports.
package buildportfolioapi

// Name is the function's name: its directory, func.yaml name and URL prefix.
const Name = "build-portfolio"
