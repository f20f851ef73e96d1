package output

import (
	"sync/atomic"
	"testing"
)

// CountLoads counts Generate's loads of the blueprints until the test ends.
func CountLoads(t testing.TB) *atomic.Int64 {
	var n atomic.Int64
	old := loading
	loading = func() { n.Add(1) }
	t.Cleanup(func() { loading = old })
	return &n
}
