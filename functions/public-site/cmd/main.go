// Command public-site runs the public site alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	"github.com/kuzbass/eko/functions/public-site"
)

func main() {
	if err := fnhttp.Start(publicsite.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
