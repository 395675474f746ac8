// Command submit-application runs the submit-application function alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	submitapplication "github.com/kuzbass/eko/functions/submit-application"
)

func main() {
	if err := fnhttp.Start(submitapplication.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
