package importer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds adds the committed samples of a format as seeds.
func fuzzSeeds(f *testing.F, pattern string) {
	matches, _ := filepath.Glob(pattern)
	for _, m := range matches {
		if data, err := os.ReadFile(m); err == nil {
			f.Add(data)
		}
	}
}

// FuzzImportCompose: any Compose file imports or fails with an error, never a panic, and an import
// never writes blueprints that do not validate (Compose checks them before returning: that error says
// "a bug").
func FuzzImportCompose(f *testing.F) {
	fuzzSeeds(f, "testdata/compose/*/compose.yaml")
	for _, c := range composeReaderCases { // every syntax of the reader, and its errors
		f.Add([]byte(c.compose))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Compose(path, Options{Dir: filepath.Join(dir, "blueprints"), Team: "t"})
		if err != nil {
			if strings.Contains(err.Error(), "a bug") {
				t.Fatalf("the import wrote blueprints that do not validate: %v", err)
			}
			return
		}
		checkResult(t, res)
	})
}

// FuzzImportScore: the same for a Score file.
func FuzzImportScore(f *testing.F) {
	fuzzSeeds(f, "testdata/score/*/*.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "score.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Score([]string{path}, Options{Dir: filepath.Join(dir, "blueprints"), Team: "t"})
		if err != nil {
			if strings.Contains(err.Error(), "a bug") {
				t.Fatalf("the import wrote blueprints that do not validate: %v", err)
			}
			return
		}
		checkResult(t, res)
	})
}

func checkResult(t *testing.T, res *Result) {
	t.Helper()
	if res == nil {
		t.Fatal(errors.New("no result and no error"))
	}
	if len(res.Files) == 0 {
		t.Error("an import that succeeded wrote no file")
	}
}
