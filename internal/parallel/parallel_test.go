package parallel

import (
	"sync/atomic"
	"testing"
)

// TestDo checks that every piece is done exactly once, by a worker in range, whatever k.
func TestDo(t *testing.T) {
	for _, k := range []int{1, 2, 7} {
		const n = 1000
		var done [n]atomic.Int32
		var badWorker atomic.Bool
		Do(k, n, func(w, i int) {
			if w < 0 || w >= k {
				badWorker.Store(true)
			}
			done[i].Add(1)
		})
		for i := range done {
			if got := done[i].Load(); got != 1 {
				t.Fatalf("k=%d: piece %d done %d times", k, i, got)
			}
		}
		if badWorker.Load() {
			t.Errorf("k=%d: a worker number out of range", k)
		}
	}
	Do(2, 0, func(int, int) { t.Error("a piece of nothing done") })
	if w := Workers(0); w != 0 {
		t.Errorf("Workers(0) = %d", w)
	}
}
