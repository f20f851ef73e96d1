package blueprints

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// The committed seeds under testdata/fuzz/FuzzParse and testdata/fuzz/FuzzLoad are hostile shapes of YAML
// (alias bombs, deep nesting, odd encodings and line endings, tricky env values); `go test` runs them as
// regression cases even when not fuzzing.

// addExampleSeeds seeds a fuzzer with every example blueprint, read at run time so new examples are
// picked up without touching the corpus.
func addExampleSeeds(f *testing.F) {
	f.Helper()
	err := filepath.WalkDir("examples", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(data)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
}

// yamlLines counts lines as the YAML scanner does, where \r\n, \r, \n, NEL, LS and PS each end a line:
// counting only \n would flag correct line numbers in files with old Mac line endings.
func yamlLines(data []byte) int {
	n := 1
	for i := 0; i < len(data); i++ {
		switch {
		case data[i] == '\n':
			n++
		case data[i] == '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			n++
		case bytes.HasPrefix(data[i:], []byte("\u0085")):
			n++
			i++
		case bytes.HasPrefix(data[i:], []byte("\u2028")), bytes.HasPrefix(data[i:], []byte("\u2029")):
			n++
			i += 2
		}
	}
	return n
}

func FuzzParse(f *testing.F) {
	addExampleSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz.yaml"
		file, diags := Parse(path, data)
		lines := yamlLines(data)
		for _, d := range diags {
			if d.Pos.File != path {
				t.Errorf("diagnostic %q names file %q, want %q", d, d.Pos.File, path)
			}
			if d.Message == "" {
				t.Errorf("diagnostic %q has no message", d)
			}
			if d.Pos.Line < 0 || d.Pos.Col < 0 {
				t.Errorf("diagnostic %q has a negative position", d)
			}
			if d.Pos.Line > lines+1 {
				t.Errorf("diagnostic %q is past the end of a %d-line input", d, lines)
			}
		}
		if file == nil {
			if len(diags) == 0 {
				t.Fatal("nil file without a diagnostic")
			}
			return
		}
		// A returned file is always one of the two kinds, with its body set.
		switch {
		case file.Kind == KindService && file.Service != nil && file.Platform == nil:
		case file.Kind == KindPlatform && file.Platform != nil && file.Service == nil:
		default:
			t.Fatalf("file of kind %q with service %v and platform %v", file.Kind, file.Service != nil, file.Platform != nil)
		}
		if len(diags) == 0 {
			again, diags2 := Parse(path, data)
			if len(diags2) != 0 || !reflect.DeepEqual(file, again) {
				t.Fatalf("parsing the same bytes twice gave different results:\n%+v\n%+v\n%v", file, again, diags2)
			}
		}
	})
}

// fuzzPlatform is the fixed, valid platform beside the fuzzed service in FuzzLoad.
const fuzzPlatform = `apiVersion: gantry.dev/v1
kind: Platform
metadata:
  name: fuzz
spec:
  registry: ghcr.io/fuzz
  environments: [dev, staging, prod]
  defaults:
    env: {LOG_FORMAT: json}
    environments:
      prod:
        replicas: {min: 3}
`

func FuzzLoad(f *testing.F) {
	addExampleSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		// In memory: the loader's whole path (search, platform lookup, parse, resolve, validate) at the
		// rate of the parser, with no disk in the way.
		fsys := fstest.MapFS{"platform.yaml": {Data: []byte(fuzzPlatform)}, "service.yaml": {Data: data}}
		res, diags := Load(LoadOptions{Paths: []string{"."}, FS: fsys})
		if res == nil {
			t.Fatal("Load returned a nil result")
		}
		if want := diags.Sorted(); !slices.Equal(diags, want) {
			t.Fatalf("diagnostics are not sorted and unique:\n got %v\nwant %v", diags, want)
		}
		if diags.HasErrors(false) {
			return
		}
		for _, p := range res.Platforms {
			envs := p.Spec.Environments
			for _, s := range p.Services {
				if len(s.Environments) != len(envs) {
					t.Fatalf("service %q has %d environments, platform %q has %d", s.Name, len(s.Environments), p.Name, len(envs))
				}
				for i, e := range s.Environments {
					if e.Name != envs[i] || e.Production != (i == len(envs)-1) {
						t.Errorf("service %q environment %d is %q (production %v); platform environments are %v",
							s.Name, i, e.Name, e.Production, envs)
					}
				}
			}
		}
	})
}

// readCorpusFile decodes one `go test fuzz v1` file holding a single []byte value.
func readCorpusFile(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	header, body, ok := strings.Cut(string(raw), "\n")
	body = strings.TrimSpace(body)
	if !ok || header != "go test fuzz v1" || !strings.HasPrefix(body, "[]byte(") || !strings.HasSuffix(body, ")") {
		t.Fatalf("%s: not a corpus file of one []byte", path)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(body, "[]byte("), ")"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}

// TestHostileInputBounded checks that hostile input is turned away with a clear diagnostic, and that
// parsing it allocates a bounded amount however it is shaped. It counts bytes allocated, not time, so it
// is not flaky on a slow machine.
func TestHostileInputBounded(t *testing.T) {
	// Generous: MaxFileSize is 256 KiB, so anything near this means work grows with more than the input.
	const maxAlloc = 64 << 20

	type hostile struct {
		name string
		data []byte
		want string // in some diagnostic's message; "" for no particular one
	}
	var cases []hostile

	// Every committed seed: each must be handled within the bound, and the shapes that exist to attack
	// the parser must be rejected with the diagnostic that names the attack.
	want := map[string]string{
		"alias-bomb":                "got a list", // the lists it expands to are not strings
		"alias-fanout-environments": "too many values",
		"deep-flow-mappings":        "nested more than",
		"deep-sequences":            "nested more than",
		"nul-byte":                  "NUL byte",
		"non-utf8":                  "not valid UTF-8",
		"two-documents":             "more than one YAML document",
		"empty":                     "file is empty",
		"only-comment":              "file is empty",
		"tabs-indent":               "invalid YAML",
		"merge-key":                 "merge keys",
		"duplicate-keys":            "duplicate",
	}
	corpus, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if err != nil || len(corpus) == 0 {
		t.Fatalf("no committed FuzzParse corpus: %v", err)
	}
	for _, path := range corpus {
		name := filepath.Base(path)
		cases = append(cases, hostile{name: name, data: readCorpusFile(t, path), want: want[name]})
	}

	// Too big to commit, so built here.
	cases = append(cases, hostile{name: "10MiB", data: bytes.Repeat([]byte("# padding\n"), 1<<20), want: "more than the limit"})
	var keys bytes.Buffer
	keys.WriteString("apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: keys, team: core}\n" +
		"spec:\n  runtime: go\n  type: worker\n  env: {")
	for i := range 25_000 {
		fmt.Fprintf(&keys, "%x: v, ", i) // short keys keep them under MaxFileSize, past the value budget
	}
	keys.WriteString("}\n")
	if keys.Len() > MaxFileSize {
		t.Fatalf("25k-key mapping is %d bytes, over MaxFileSize: the case would not reach the parser", keys.Len())
	}
	cases = append(cases, hostile{name: "25k-key-mapping", data: keys.Bytes(), want: "too many values"})
	// The densest input: one-character list items filling the whole size cap, where the YAML library's
	// node tree costs the most per byte.
	dense := []byte("apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: dense, team: core}\nspec:\n  egress: [")
	for len(dense) < MaxFileSize-4 {
		dense = append(dense, "a,"...)
	}
	dense = append(dense, "a]\n"...)
	cases = append(cases, hostile{name: "dense-list-at-size-cap", data: dense, want: "too many values"})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			file, diags := Parse("hostile.yaml", c.data)
			runtime.ReadMemStats(&after)

			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d bytes in, %d KiB allocated, %d diagnostics", len(c.data), alloc>>10, len(diags))
			if alloc > maxAlloc {
				t.Errorf("parsing %d bytes allocated %d MiB, more than %d MiB", len(c.data), alloc>>20, maxAlloc>>20)
			}
			if file == nil && len(diags) == 0 {
				t.Error("nil file without a diagnostic")
			}
			if c.want != "" && !slices.ContainsFunc(diags, func(d Diagnostic) bool { return strings.Contains(d.Message, c.want) }) {
				t.Errorf("no diagnostic mentions %q; got %v", c.want, diags)
			}
		})
	}
}
