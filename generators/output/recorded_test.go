package output_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/output"
)

// twoPlatforms lays out a repository with the acme and preview examples, both generated into out/
// (each from its own folder, as their pipelines do), and returns the options of a Recorded run there.
func twoPlatforms(t *testing.T) output.Options {
	t.Helper()
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"acme", "preview"} {
		src, _ := filepath.Glob("../../blueprints/examples/" + p + "/*.yaml")
		for _, f := range src {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(repo, "blueprints", p, filepath.Base(f)), string(data))
		}
		mustGenerate(t, output.Options{Paths: []string{filepath.Join(repo, "blueprints", p)}, Output: filepath.Join(repo, "out"), Repo: repo})
	}
	return output.Options{Recorded: true, Output: filepath.Join(repo, "out"), Repo: repo}
}

// TestRecorded: a Recorded run regenerates every platform the output's record names (clean under
// Check, nothing rewritten), removes the files of a recorded blueprint that is gone, and refuses a
// record that names a path outside the repository or names none, or is missing.
func TestRecorded(t *testing.T) {
	opts := twoPlatforms(t)
	check := opts
	check.Check = true
	if res := mustGenerate(t, check); res.Drifted() {
		t.Fatalf("--recorded --check after generating each platform: %v", res.Drift(filepath.ToSlash))
	}
	res := mustGenerate(t, opts)
	if len(res.Summary.Written) != 0 || len(res.Summary.Removed) != 0 || len(res.Summary.Unchanged) == 0 {
		t.Errorf("--recorded on current output: %s", res.Summary)
	}

	// One of preview's services deleted: its files go, the others' stay.
	repo := opts.Repo
	if err := os.Remove(filepath.Join(repo, "blueprints", "preview", "courier.yaml")); err != nil {
		t.Fatal(err)
	}
	res = mustGenerate(t, opts)
	if len(res.Summary.Removed) == 0 {
		t.Errorf("a deleted blueprint's files were kept: %s", res.Summary)
	}
	if _, err := os.Stat(filepath.Join(opts.Output, "tidewater", "fulfilment", "courier")); !os.IsNotExist(err) {
		t.Errorf("courier's folder is still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(opts.Output, "acme", "billing", "payments", "kubernetes", "base", "deployment.yaml")); err != nil {
		t.Errorf("acme's payments went with courier: %v", err)
	}
	if res := mustGenerate(t, check); res.Drifted() {
		t.Errorf("--check after the removal: %v", res.Drift(filepath.ToSlash))
	}

	record := filepath.Join(opts.Output, generators.StateDir, "manifest.json")
	original, _ := os.ReadFile(record)
	for _, c := range []struct{ name, source, want string }{
		{"outside", "../../etc/passwd.yaml", `names "../../etc/passwd.yaml" as a blueprint: not a YAML file inside the repository`},
		{"absolute", "/etc/gantry.yaml", `names "/etc/gantry.yaml" as a blueprint`},
		{"not-yaml", "blueprints/acme/payments.json", `names "blueprints/acme/payments.json" as a blueprint`},
	} {
		t.Run(c.name, func(t *testing.T) {
			write(t, record, string(original))
			gentest.EditRecord(t, opts.Output, func(m *generators.Manifest) {
				for p, e := range m.Files {
					if e.Source != "" {
						e.Source = c.source
						m.Files[p] = e
						break
					}
				}
			})
			_, err := output.Generate(opts)
			var re *output.RecordError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want a RecordError with %q", err, c.want)
			}
		})
	}

	// Entries alone claiming a blueprint that does not exist (no platform's list names it) cannot make
	// the run remove a file of the user's: here a workflow of theirs, entered in the repository's record
	// with its true hash.
	t.Run("ghost", func(t *testing.T) {
		const ghost = "blueprints/acme/ghost.yaml"
		write(t, record, string(original))
		gentest.EditRecord(t, opts.Output, func(m *generators.Manifest) {
			e := m.Files["acme/billing/payments/kubernetes/base/deployment.yaml"]
			e.Source = ghost
			m.Files["acme/billing/ghost/kubernetes/base/deployment.yaml"] = e
		})
		mine := filepath.Join(repo, ".github", "workflows", "security-scan.yaml")
		content := "name: security-scan\non: push\njobs: {}\n"
		write(t, mine, content)
		sum := sha256.Sum256([]byte(content))
		gentest.EditRecord(t, repo, func(m *generators.Manifest) {
			m.Files[".github/workflows/security-scan.yaml"] = generators.ManifestEntry{SHA256: hex.EncodeToString(sum[:]), Target: "ci", Source: ghost, Platform: "acme"}
		})
		if _, err := output.Generate(opts); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(mine); err != nil {
			t.Errorf("record entries naming a missing blueprint removed the user's workflow: %v", err)
		}
	})

	// Every recorded blueprint gone, and no record at all: nothing to regenerate, said so.
	write(t, record, string(original))
	if err := os.RemoveAll(filepath.Join(repo, "blueprints")); err != nil {
		t.Fatal(err)
	}
	var re *output.RecordError
	if _, err := output.Generate(opts); !errors.As(err, &re) || !strings.Contains(err.Error(), "none of the") {
		t.Errorf("every blueprint gone: %v", err)
	}
	none := opts
	none.Output = filepath.Join(repo, "elsewhere")
	if _, err := output.Generate(none); !errors.As(err, &re) || !strings.Contains(err.Error(), "has no record") {
		t.Errorf("no record: %v", err)
	}
}

// TestRecordedRepositoryRoot: when one platform's output folder is the repository root (azure's), that
// record also holds the pipelines and Dockerfiles of every platform: a Recorded run of the root
// regenerates the root's platform alone, and writes nothing of the others there.
func TestRecordedRepositoryRoot(t *testing.T) {
	repo := t.TempDir()
	if err := os.Mkdir(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ platform, out string }{{"acme", "deploy"}, {"azure", "."}} {
		src, _ := filepath.Glob("../../blueprints/examples/" + c.platform + "/*.yaml")
		for _, f := range src {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(repo, "blueprints", c.platform, filepath.Base(f)), string(data))
		}
		mustGenerate(t, output.Options{Paths: []string{filepath.Join(repo, "blueprints", c.platform)}, Output: filepath.Join(repo, c.out), Repo: repo})
	}
	root := output.Options{Recorded: true, Output: repo, Repo: repo}
	res := mustGenerate(t, root)
	if len(res.Summary.Written) != 0 || len(res.Summary.Removed) != 0 {
		t.Errorf("--recorded of the repository root changed files: %s\nwritten %v\nremoved %v", res.Summary, res.Summary.Written, res.Summary.Removed)
	}
	if _, err := os.Stat(filepath.Join(repo, "acme")); !os.IsNotExist(err) {
		t.Errorf("acme's output went into the repository root (%v)", err)
	}
	for _, out := range []string{repo, filepath.Join(repo, "deploy")} {
		check := output.Options{Recorded: true, Output: out, Repo: repo, Check: true}
		if res := mustGenerate(t, check); res.Drifted() {
			t.Errorf("--recorded --check of %s: %v", out, res.Drift(filepath.ToSlash))
		}
	}
}
