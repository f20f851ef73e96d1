package diff

import (
	"fmt"
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	lines := func(n int, change map[int]string) []byte {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if s, ok := change[i]; ok {
				if s != "" {
					b.WriteString(s + "\n")
				}
				continue
			}
			fmt.Fprintf(&b, "%d\n", i)
		}
		return []byte(b.String())
	}
	for _, tc := range []struct {
		name     string
		old, new []byte
		want     string
	}{
		{"equal", lines(3, nil), lines(3, nil), ""},
		{"one line changed", lines(9, nil), lines(9, map[int]string{5: "five"}),
			"--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"two hunks", lines(20, nil), lines(20, map[int]string{2: "", 18: "x"}),
			"--- a\n+++ b\n@@ -1,5 +1,4 @@\n 1\n-2\n 3\n 4\n 5\n@@ -15,6 +14,6 @@\n 15\n 16\n 17\n-18\n+x\n 19\n 20\n"},
	} {
		if got := Unified("a", "b", tc.old, tc.new); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}
