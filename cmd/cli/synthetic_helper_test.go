package cli_test

import (
	"os"
	"testing"

	"github.com/gantry-dev/gantry/generators/gentest"
)

// TestWriteSyntheticTo writes a synthetic platform to $GANTRY_SYNTHETIC_DIR for timing whole processes
// (bench/); without the variable it does nothing.
func TestWriteSyntheticTo(t *testing.T) {
	dir := os.Getenv("GANTRY_SYNTHETIC_DIR")
	if dir == "" {
		t.Skip("set GANTRY_SYNTHETIC_DIR to write a synthetic platform there")
	}
	gentest.WriteSynthetic(t, dir, 1000)
}
