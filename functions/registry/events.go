package registry

import "github.com/kuzbass/eko/events"

var source = events.Source(Name)
