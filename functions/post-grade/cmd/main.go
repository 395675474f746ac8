// Command post-grade runs the post-grade function alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	postgrade "github.com/kuzbass/eko/functions/post-grade"
)

func main() {
	if err := fnhttp.Start(postgrade.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
