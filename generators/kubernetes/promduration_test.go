package kubernetes

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPromDuration: promDuration writes what fmt wrote before (1d, 6h, 5h36m, 2m; nothing under a
// minute), for every minute up to ten days and a few odd durations.
func TestPromDuration(t *testing.T) {
	old := func(d time.Duration) string {
		var b strings.Builder
		for _, u := range []struct {
			unit string
			d    time.Duration
		}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}} {
			if n := d / u.d; n > 0 {
				fmt.Fprintf(&b, "%d%s", n, u.unit)
				d -= n * u.d
			}
		}
		return b.String()
	}
	ds := []time.Duration{0, -time.Hour, time.Second, 90 * time.Second, 1<<63 - 1}
	for m := range 10 * 24 * 60 {
		ds = append(ds, time.Duration(m)*time.Minute)
	}
	for _, d := range ds {
		if got, want := promDuration(d), old(d); got != want {
			t.Errorf("promDuration(%v) = %q, fmt wrote %q", d, got, want)
		}
	}
}
