package blueprints

import (
	"fmt"
	"testing"
)

func TestCappedListsAtMostMaxPerFile(t *testing.T) {
	var ds Diagnostics
	for i := range MaxPerFile + 7 {
		ds = append(ds, Diagnostic{Pos: Pos{File: "a.yaml", Line: i + 1, Col: 1}, Message: "bad"})
	}
	ds = append(ds, Diagnostic{Pos: Pos{File: "b.yaml", Line: 1, Col: 1}, Message: "bad"})
	got := ds.Sorted().Capped()
	if len(got) != MaxPerFile+2 {
		t.Fatalf("got %d diagnostics, want %d", len(got), MaxPerFile+2)
	}
	if want := "a.yaml: 7 more problems in this file not shown (fix the ones above and run again)"; got[MaxPerFile].String() != want {
		t.Errorf("summary line %q, want %q", got[MaxPerFile].String(), want)
	}
	if got[MaxPerFile+1].Pos.File != "b.yaml" {
		t.Errorf("the next file's problems were dropped: %v", got[MaxPerFile+1])
	}
	if fmt.Sprint(ds[:3].Capped()) != fmt.Sprint(ds[:3]) {
		t.Error("a short list changed")
	}
}
