// Command kdn runs the kdn function alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	"github.com/kuzbass/eko/functions/kdn"
)

func main() {
	if err := fnhttp.Start(kdn.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
