// Command build-portfolio runs the build-portfolio function alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	buildportfolio "github.com/kuzbass/eko/functions/build-portfolio"
)

func main() {
	if err := fnhttp.Start(buildportfolio.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
