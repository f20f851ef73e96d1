package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
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

// syntheticRecord is the record of a platform of n services shaped like bench/synthetic's output:
// 48 files a service (in overlays, terraform envs and gitops, one per environment), the platform's
// blueprints in Platforms.
func syntheticRecord(n int) Manifest {
	type file struct{ target, path, env string }
	var layout []file
	for _, f := range []string{"deployment", "service", "hpa", "pdb", "serviceaccount", "configmap", "networkpolicy", "kustomization"} {
		layout = append(layout, file{"kubernetes", "kubernetes/base/" + f + ".yaml", ""})
	}
	for _, env := range []string{"dev", "staging", "prod"} {
		for _, f := range []string{"kustomization", "deployment-patch", "hpa-patch", "configmap", "ingress", "secrets"} {
			layout = append(layout, file{"kubernetes", "kubernetes/overlays/" + env + "/" + f + ".yaml", env})
		}
		layout = append(layout, file{"terraform", "terraform/envs/" + env + ".tfvars", env}, file{"gitops", "gitops/" + env + ".yaml", env})
	}
	layout = append(layout, file{"kubernetes", "kubernetes/custom/kustomization.yaml", ""}, file{"kubernetes", "kubernetes/custom/patch.yaml", ""})
	for _, f := range []string{"main.tf", "variables.tf", "outputs.tf", "providers.tf", "versions.tf", "backend.tf", "dep0.tf", "dep1.tf", ".trivyignore.yaml"} {
		layout = append(layout, file{"terraform", "terraform/" + f, ""})
	}
	layout = append(layout, file{"docker", "Dockerfile", ""}, file{"docker", ".dockerignore", ""})
	m := Manifest{Version: 1, Gantry: Release, Files: map[string]ManifestEntry{}, Platforms: map[string][]string{}}
	members := []string{"blueprints/platform.yaml"}
	for i := range n {
		svc, source := fmt.Sprintf("svc-%04d", i), fmt.Sprintf("blueprints/svc-%04d.yaml", i)
		dir := fmt.Sprintf("synthetic/team-%02d/%s/", i/10, svc)
		for j, f := range layout {
			m.Files[dir+f.path] = ManifestEntry{SHA256: fmt.Sprintf("%064x", i*100+j), Target: f.target, Env: f.env, Source: source, Platform: "synthetic", Yours: strings.Contains(f.path, "/custom/")}
		}
		m.Files[".github/workflows/"+svc+".yaml"] = ManifestEntry{SHA256: fmt.Sprintf("%064x", i), Target: "ci", Source: source, Platform: "synthetic"}
		members = append(members, source)
	}
	m.Platforms["synthetic"] = members
	return m
}

func BenchmarkManifestEncode(b *testing.B) {
	m := syntheticRecord(1000)
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

// BenchmarkManifestDecode reads the record of 1,000 services (13 MB), as readManifest does.
func BenchmarkManifestDecode(b *testing.B) {
	data := syntheticRecord(1000).encode()
	b.SetBytes(int64(len(data)))
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeManifest(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			if _, err := jsonManifest(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// jsonManifest is what readManifest read before decodeManifest: encoding/json into an empty record.
func jsonManifest(data []byte) (Manifest, error) {
	m := Manifest{Version: 1, Files: map[string]ManifestEntry{}}
	err := json.Unmarshal(data, &m)
	return m, err
}

// sameDecoding fails t unless decodeManifest reads data as encoding/json does: the same record, the
// same error.
func sameDecoding(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := decodeManifest(data)
	want, wantErr := jsonManifest(data)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v, %v\nwant %#v, %v", data, got, gotErr, want, wantErr)
	}
}

// Records that encode wrote are read directly (the fast path); any other text is read by encoding/json.
// Either way the result is encoding/json's.
func TestDecodeManifest(t *testing.T) {
	encoded := func(m Manifest) string { return string(m.encode()) + "\n" }
	entry := ManifestEntry{SHA256: "abc", Pending: "def", Target: "kubernetes", Env: "prod", Source: "blueprints/a.yaml", Platform: "p", Yours: true}
	full := Manifest{Version: 3, Gantry: "v1.2.3", Files: map[string]ManifestEntry{"a/b.yaml": entry, "a/c.yaml": {Target: "t"}}, Platforms: map[string][]string{"p": {"x.yaml", "y.yaml"}, "q": nil, "r": {}}}
	for _, c := range []struct {
		name string
		data string
		fast bool // read without encoding/json
	}{
		{"full", encoded(full), true},
		{"no newline", strings.TrimSuffix(encoded(full), "\n"), true},
		{"trailing space", encoded(full) + " \r\n\t", true},
		{"nil files", encoded(Manifest{Version: 1}), true},
		{"empty files", encoded(Manifest{Version: 1, Files: map[string]ManifestEntry{}}), true},
		{"negative version", encoded(Manifest{Version: -7}), true},
		{"unicode", encoded(Manifest{Version: 1, Gantry: "é", Files: map[string]ManifestEntry{"ü/😀.yaml": {SHA256: "\ufffd"}}}), true},
		{"escapes", encoded(Manifest{Version: 1, Files: map[string]ManifestEntry{"a\"b\\c<d>&\t\u2028": {SHA256: "bad\xffutf8"}}}), false},
		{"huge version", encoded(Manifest{Version: 1 << 62}), false},
		{"compact", `{"version":1,"files":{"a":{"sha256":"x","target":"t"}}}`, false},
		{"other order", "{\n  \"files\": null,\n  \"version\": 2\n}", false},
		{"capital key", "{\n  \"Version\": 2,\n  \"files\": null\n}", false},
		{"unknown key", "{\n  \"version\": 2,\n  \"files\": null,\n  \"extra\": 1\n}", false},
		{"no version", "{\n  \"files\": {}\n}", false},
		{"leading zero", "{\n  \"version\": 01,\n  \"files\": {}\n}", false},
		{"minus zero", "{\n  \"version\": -0,\n  \"files\": {}\n}", true},
		{"float version", "{\n  \"version\": 1.0,\n  \"files\": {}\n}", false},
		{"empty gantry", "{\n  \"version\": 1,\n  \"gantry\": \"\",\n  \"files\": {}\n}", true},
		{"yours false", strings.Replace(encoded(full), `"yours": true`, `"yours": false`, 1), false},
		{"duplicate file", strings.Replace(encoded(full), `"a/c.yaml"`, `"a/b.yaml"`, 1), true},
		{"duplicate platform", strings.Replace(encoded(full), `"q"`, `"p"`, 1), true},
		{"empty platforms", "{\n  \"version\": 1,\n  \"files\": {},\n  \"platforms\": {}\n}", false},
		{"raw control", strings.Replace(encoded(full), "x.yaml", "x\x01yaml", 1), false},
		{"raw invalid utf8", strings.Replace(encoded(full), "x.yaml", "x\xffyaml", 1), false},
		{"trailing text", encoded(full) + "x", false},
		{"cut", encoded(full)[:40], false},
		{"empty", "", false},
		{"null", "null", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sameDecoding(t, []byte(c.data))
			if _, fast := decodeEncoded([]byte(c.data)); fast != c.fast {
				t.Errorf("read directly: %v, want %v", fast, c.fast)
			}
		})
	}
	// The damaged-record message readManifest shows is encoding/json's.
	if _, err := decodeManifest([]byte("{\n  \"version\": 1,\n  \"files\": {\n")); err == nil || err.Error() != "unexpected end of JSON input" {
		t.Errorf("a cut record: %v", err)
	}
}

// FuzzDecodeManifest: whatever the record holds, decodeManifest reads it as encoding/json does.
func FuzzDecodeManifest(f *testing.F) {
	strs := []string{"", "a/b.yaml", "x\"y", `back\slash`, "<tag>&amp", "tab\there", "é ünïcode", "\u2028", "bad\xffutf8", "ctl\x01", "blueprints/svc-0042.yaml"}
	r := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return strs[r.IntN(len(strs))] }
	f.Add([]byte(Manifest{Version: 1}.encode()))
	f.Add([]byte(Manifest{Version: 1, Files: map[string]ManifestEntry{}, Platforms: map[string][]string{"p": nil, "q": {}}}.encode()))
	f.Add(append(syntheticRecord(2).encode(), '\n'))
	for range 20 {
		m := Manifest{Version: r.IntN(3) - 1, Gantry: pick(), Files: map[string]ManifestEntry{}}
		for range r.IntN(4) {
			m.Files[pick()+fmt.Sprint(r.IntN(100))] = ManifestEntry{SHA256: pick(), Pending: pick(), Target: pick(), Env: pick(), Source: pick(), Platform: pick(), Yours: r.IntN(2) == 0}
		}
		if r.IntN(2) == 0 {
			m.Platforms = map[string][]string{pick(): []string{pick(), pick()}[:r.IntN(3)]}
		}
		f.Add(append(m.encode(), '\n'))
	}
	f.Add([]byte(`{"version":1,"files":{"a":{"sha256":"x","target":"t"}}}`))
	f.Fuzz(sameDecoding)
}

// TestStreamedEncodings: the record and the cache file written in chunks (as runs write them) are
// what the whole-buffer encodings give: the record byte for byte, the cache file as it reads back.
func TestStreamedEncodings(t *testing.T) {
	var chunks int
	collect := func(out *[]byte) func([]byte) error {
		return func(b []byte) error {
			chunks++
			*out = append(*out, b...)
			return nil
		}
	}
	m := syntheticRecord(60)
	var record []byte
	if err := stream(collect(&record), m.encodeTo, "\n"); err != nil {
		t.Fatal(err)
	}
	if want := append(m.encode(), '\n'); !bytes.Equal(record, want) || len(want) < 2*encodeChunk {
		t.Errorf("the streamed record differs (%d bytes, want %d; too small for chunks: %v)", len(record), len(want), len(want) < 2*encodeChunk)
	}
	if chunks < 3 {
		t.Errorf("the record came in %d chunks", chunks)
	}
	chunks = 0
	d := syntheticCache(60)
	var cache []byte
	if err := stream(collect(&cache), d.encodeTo, ""); err != nil {
		t.Fatal(err)
	}
	got, err := decodeCache(cache)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) || chunks < 3 {
		t.Errorf("the streamed cache file reads back otherwise (%d chunks)", chunks)
	}
}
