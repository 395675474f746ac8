// Command issue-homework runs the issue-homework function alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	issuehomework "github.com/kuzbass/eko/functions/issue-homework"
)

func main() {
	if err := fnhttp.Start(issuehomework.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
