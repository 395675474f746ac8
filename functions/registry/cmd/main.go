// Command registry runs the registry function alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	"github.com/kuzbass/eko/functions/registry"
)

func main() {
	if err := fnhttp.Start(registry.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
