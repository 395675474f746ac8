package registry_test

import (
	"testing"

	"github.com/kuzbass/eko/ekotest"
	"github.com/kuzbass/eko/functions/registry"
	"github.com/kuzbass/eko/shared/auth"
)

func init() {
	registry.OpenSystem = func(t testing.TB, verify auth.Config) registry.System {
		w := ekotest.Open(t, ekotest.Options{Empty: true, Auth: &verify})
		return registry.System{Function: w.Function(registry.Name).(*registry.Function), DB: w.DB}
	}
}
