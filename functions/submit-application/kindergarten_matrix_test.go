package submitapplication

import (
	"fmt"
	"net/http"

	submitapplicationapi "github.com/kuzbass/eko/functions/submit-application/api"
)

// Authorization rows of the kindergarten queue, allocation and direction
// routes. The objects: parent1's registered kindergarten application {kgm}
// (kindergartens 1 and 2 of Kemerovo, a sibling privilege claimed) and a
// Kemerovo allocation draft {kgrun} with one place for it in kindergarten 1.
func init() {
	matrixParts = append(matrixParts, func(w *world) []row {
		kid := w.kgChildren("parent1", 1, "2024-07-01")[0]
		start := nextYearSept1()
		app := w.kgSubmit("parent1", kid, []string{"{kg1}", "{kg2}"}, start, `,"privileges":[{"kind":"sibling","document":"справка о брате"}]`)
		w.setStatus("kg-director-1", app, "registered")
		w.ids["{kgm}"] = app.ID.String()
		runBody := placesBody(w, start, 10, place(w.ids["{kg1}"], 3, "general", 1))
		var run submitapplicationapi.AllocationView
		w.must(w.f.Handle, http.MethodPost, api+"/allocations", "mun-kemerovo", runBody, nil, http.StatusCreated, &run)
		w.ids["{kgrun}"] = run.ID.String()

		var rows []row
		add := func(r ...row) { rows = append(rows, r...) }
		kgm := api + "/applications/{kgm}"
		// The queue: whoever reads the application.
		add(expect("GET "+api+"/applications/{id}/queue", kgm+"/queue", "", 403, map[string]int{
			"ministry": 200, "mun-kemerovo": 200, "kg-director-1": 200, "parent1": 200,
			"mun-novokuznetsk": 404, "director-s1": 404, "parent2": 404})...)
		// Privileges: staff of an addressed kindergarten and the municipality decide.
		add(expect("POST "+api+"/applications/{id}/privileges", kgm+"/privileges", privilegeBody("sibling", true), 403, map[string]int{
			"mun-kemerovo": 200, "kg-director-1": 200, "mun-novokuznetsk": 404, "director-s1": 404})...)
		// A sibling right is decided per kindergarten: kindergarten staff
		// only in their own.
		add(row{Route: "POST " + api + "/applications/{id}/privileges", Path: kgm + "/privileges", Login: "kg-director-1", Status: 403, Body: siblingBody("{kg2}", true)})
		// The choice: the parent only.
		choice := fmt.Sprintf(`{"preferences":["{kg1}","{kg2}"],"desired_start":%q,"group_type":"general"}`, start)
		add(expect("PATCH "+api+"/applications/{id}/kindergarten", kgm+"/kindergarten", choice, 403, map[string]int{
			"parent1": 200, "parent2": 404})...)
		// Allocation runs: the municipality runs its own; the ministry and
		// kindergarten staff read.
		add(expect("GET "+api+"/allocations", api+"/allocations", "", 403, map[string]int{
			"ministry": 200, "mun-kemerovo": 200, "mun-novokuznetsk": 200, "director-s1": 200, "kg-director-1": 200, "college-director-1": 200})...)
		add(expect("POST "+api+"/allocations", api+"/allocations", runBody, 403, map[string]int{
			"mun-kemerovo": 201, "mun-novokuznetsk": 404})...)
		add(expect("GET "+api+"/allocations/{id}", api+"/allocations/{kgrun}", "", 403, map[string]int{
			"ministry": 200, "mun-kemerovo": 200, "kg-director-1": 200, "mun-novokuznetsk": 404, "director-s1": 404})...)
		add(expect("POST "+api+"/allocations/{id}/recompute", api+"/allocations/{kgrun}/recompute", "", 403, map[string]int{
			"mun-kemerovo": 200, "mun-novokuznetsk": 404})...)
		add(expect("POST "+api+"/allocations/{id}/confirm", api+"/allocations/{kgrun}/confirm", "", 403, map[string]int{
			"mun-kemerovo": 200, "mun-novokuznetsk": 404})...)
		add(row{Route: "POST " + api + "/allocations/{id}/confirm", Path: api + "/allocations/{kgrun}/confirm", Login: "mun-kemerovo", Status: 409, Body: ""})
		// The direction the run issued: the parent answers.
		add(expect("POST "+api+"/applications/{id}/direction", kgm+"/direction", `{"decision":"accept"}`, 403, map[string]int{
			"parent1": 200, "parent2": 404})...)
		return rows
	})
}
