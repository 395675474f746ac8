// Package shipped holds the form definitions EKO comes with, modelled on
// the federal statistical forms the region's organisations send every
// year: ОО-1's sections on pupils by grade and on staff, and 85-К's on
// children by age group. Each binds its counts to the registry, so a
// campaign of it opens prefilled.
package shipped

import (
	"embed"
	"encoding/json"
	"io/fs"

	collectreportapi "github.com/kuzbass/eko/functions/collect-report/api"
)

//go:embed *.json
var files embed.FS

// Forms are the shipped definitions, ОО-1 first.
func Forms() []collectreportapi.Definition {
	var out []collectreportapi.Definition
	for _, name := range []string{"oo1.json", "85k.json"} {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			panic(err) // embedded: present by construction
		}
		var d collectreportapi.Definition
		if err := json.Unmarshal(b, &d); err != nil {
			panic("shipped/" + name + ": " + err.Error())
		}
		out = append(out, d)
	}
	return out
}
