package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// The record's own encoder writes what json.MarshalIndent writes, for every shape the record takes
// (no files, no platforms, empty and nil lists, optional fields, strings that JSON escapes).
func TestManifestEncode(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	strs := []string{"", "a/b.yaml", "x\"y", `back\slash`, "<tag>&amp", "tab\there", "é ünïcode", "\u2028", "bad\xffutf8", "ctl\x01"}
	pick := func() string { return strs[r.IntN(len(strs))] }
	cases := []Manifest{{Version: 1}, {Version: 1, Files: map[string]ManifestEntry{}}, {Version: 1, Files: map[string]ManifestEntry{}, Platforms: map[string][]string{"p": nil, "q": {}}}}
	for range 200 {
		m := Manifest{Version: r.IntN(3), Gantry: pick(), Files: map[string]ManifestEntry{}}
		for range r.IntN(6) {
			m.Files[pick()+fmt.Sprint(r.IntN(100))] = ManifestEntry{SHA256: pick(), Pending: pick(), Target: pick(), Env: pick(), Source: pick(), Platform: pick(), Yours: r.IntN(2) == 0}
		}
		if r.IntN(2) == 0 {
			m.Platforms = map[string][]string{}
			for range r.IntN(3) {
				m.Platforms[pick()] = []string{pick(), pick()}[:r.IntN(3)]
			}
		}
		cases = append(cases, m)
	}
	for i, m := range cases {
		want, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got := m.encode(); !bytes.Equal(got, want) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func BenchmarkManifestEncode(b *testing.B) {
	m := Manifest{Version: 1, Gantry: Release, Files: map[string]ManifestEntry{}}
	for i := range 50000 {
		m.Files[fmt.Sprintf("synthetic/team-%02d/svc-%04d/kubernetes/overlays/prod/file-%d.yaml", i%100, i/50, i)] = ManifestEntry{SHA256: fmt.Sprintf("%064x", i), Target: "kubernetes", Env: "prod", Source: fmt.Sprintf("blueprints/svc-%04d.yaml", i/50), Platform: "synthetic"}
	}
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			m.encode()
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			json.MarshalIndent(m, "", "  ")
		}
	})
}
