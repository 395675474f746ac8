// Command outbox-relay runs the outbox-relay function alone, as its Knative Service does.
package main

import (
	"fmt"
	"os"

	fnhttp "knative.dev/func-go/http"

	outboxrelay "github.com/kuzbass/eko/functions/outbox-relay"
)

func main() {
	if err := fnhttp.Start(outboxrelay.New()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
