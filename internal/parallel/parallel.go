// Package parallel shares independent pieces of work among a few goroutines: loading a platform's
// blueprints and classifying its files are thousands of such pieces.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers is how many goroutines share n pieces of work: one per processor, at most one per piece.
func Workers(n int) int { return min(runtime.GOMAXPROCS(0), n) }

// Do calls do(w, i) for every i below n on k goroutines (w, from 0 to k-1, says which, for state of
// a worker's own), each taking the next i when done with one, and returns when all are done.
func Do(k, n int, do func(w, i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range k {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				do(w, i)
			}
		})
	}
	wg.Wait()
}
