// Command synthetic writes the synthetic platform the benchmarks use (gentest.Synthetic) into a folder:
// go run ./bench/synthetic DIR [N]   (N services, default 1,000).
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/gantry-dev/gantry/generators/gentest"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench/synthetic DIR [N]")
		os.Exit(2)
	}
	n := 1000
	if len(os.Args) == 3 {
		var err error
		if n, err = strconv.Atoi(os.Args[2]); err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "synthetic: N must be a positive number")
			os.Exit(2)
		}
	}
	if err := os.MkdirAll(os.Args[1], 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "synthetic:", err)
		os.Exit(1)
	}
	if err := gentest.Synthetic(os.Args[1], n); err != nil {
		fmt.Fprintln(os.Stderr, "synthetic:", err)
		os.Exit(1)
	}
}
