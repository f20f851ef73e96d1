package cli_test

import (
	"os"
	"testing"
)

// TestMain gives the commands a cache folder of their own (gantry generate keeps its cache in the
// user's cache folder): the tests' temporary outputs leave nothing in the real one.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gantry-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
