// Command portal runs the portal function alone, as its Knative Service does:
// the web cabinets and the ESIA login, calling the registry at REGISTRY_URL.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	"github.com/kuzbass/eko/functions/portal"
)

func main() {
	if err := fnhttp.Start(portal.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
