package submitapplication

import (
	"time"

	"github.com/kuzbass/eko/events"
)

var source = events.Source(Name)

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
