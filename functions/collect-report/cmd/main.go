// Command collect-report runs the collect-report function alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	collectreport "github.com/kuzbass/eko/functions/collect-report"
)

func main() {
	if err := fnhttp.Start(collectreport.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
