package blueprints

import (
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
)

// A Reach read back from Encode answers as the one Load returned: what it loaded, the folders it
// searched, and whether a blueprint once there still is. Track hears of every file Load read.
func TestReachEncodes(t *testing.T) {
	var mu sync.Mutex
	var tracked []string
	track := func(p string) {
		mu.Lock()
		tracked = append(tracked, p)
		mu.Unlock()
	}
	dir := filepath.Join("examples", "acme")
	res, diags := Load(LoadOptions{Paths: []string{dir, filepath.Join("examples", "gcp", "storefront.yaml")}, Track: track})
	if diags.HasErrors(false) {
		t.Fatal(diags)
	}
	enc, err := res.Reach.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeReach(enc)
	if err != nil {
		t.Fatal(err)
	}
	want := res.Reach
	if got.Complete != want.Complete || !slices.Equal(got.Loaded, want.Loaded) || !reflect.DeepEqual(got.Members, want.Members) || !slices.Equal(got.searched, want.searched) {
		t.Fatalf("decoded %+v, want %+v", got, want)
	}
	if len(want.Loaded) == 0 || len(want.searched) == 0 {
		t.Fatalf("nothing loaded or searched: %+v", want)
	}
	for _, s := range append(slices.Clone(want.Loaded), want.searched[0].dir+"/gone.yaml", "elsewhere/x.yaml") {
		if got.Owns(s) != want.Owns(s) {
			t.Errorf("Owns(%q): %v after decoding, %v before", s, got.Owns(s), want.Owns(s))
		}
	}
	abs, _ := filepath.Abs(filepath.Join(dir, "payments.yaml"))
	if !slices.Contains(tracked, abs) {
		t.Errorf("Track did not hear of %s (heard %d paths)", abs, len(tracked))
	}
	if _, err := DecodeReach([]byte("{")); err == nil {
		t.Error("a damaged Reach decoded")
	}
}
