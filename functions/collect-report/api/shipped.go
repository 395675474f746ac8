package collectreportapi

import (
	"embed"
	"encoding/json"
	"io/fs"
)

// The form definitions EKO comes with, modelled on the federal statistical
// forms the region's organisations send every year: ОО-1's sections on
// pupils by grade and on staff (code "oo1"), and 85-К's on children by age
// group ("dou-85k"). Each binds its counts to the registry, so a campaign
// of it opens prefilled. The lived-in seed installs them.
//
//go:embed shipped/*.json
var shipped embed.FS

// ShippedForms are the shipped definitions, ОО-1 first.
func ShippedForms() []Definition {
	var out []Definition
	for _, name := range []string{"oo1.json", "85k.json"} {
		b, err := fs.ReadFile(shipped, "shipped/"+name)
		if err != nil {
			panic(err) // embedded: present by construction
		}
		var d Definition
		if err := json.Unmarshal(b, &d); err != nil {
			panic("shipped/" + name + ": " + err.Error())
		}
		out = append(out, d)
	}
	return out
}
