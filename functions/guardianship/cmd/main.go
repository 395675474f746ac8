// Command guardianship runs the guardianship function alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	"github.com/kuzbass/eko/functions/guardianship"
)

func main() {
	if err := fnhttp.Start(guardianship.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
