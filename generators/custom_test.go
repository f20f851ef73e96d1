package generators

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A Custom file is seeded once, then the user's: never replaced (--force or not), never drift, listed
// as theirs with the files beside it that Scope.Yours accepts; removing the service removes it only
// when it is still as seeded.
func TestCustomIsSeededOnceThenTheUsers(t *testing.T) {
	root := t.TempDir()
	seed := func(data string) File {
		f := file("s/custom/kustomization.yaml", data)
		f.Kind, f.Source = Custom, "s.yaml"
		return f
	}
	managed := file("s/base/x.yaml", "x\n")
	managed.Source = "s.yaml"
	scope := Scope{Yours: func(p string) bool { return strings.HasPrefix(p, "s/custom/") }}
	if _, err := Write(root, []File{managed, seed("# seed\n")}, WriteOptions{Scope: scope, Version: "v0.1.0"}); err != nil {
		t.Fatal(err)
	}
	for p, data := range map[string]string{"s/custom/kustomization.yaml": "# mine\n", "s/custom/patch.yaml": "p\n"} {
		if err := os.WriteFile(filepath.Join(root, p), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, force := range []bool{false, true} {
		sum, err := Write(root, []File{managed, seed("# a new seed\n")}, WriteOptions{Scope: scope, Force: force})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"s/custom/patch.yaml", "s/custom/kustomization.yaml"}; !slices.Equal(sum.Yours, want) {
			t.Errorf("force=%v: yours %v, want %v", force, sum.Yours, want)
		}
		if got := read(t, root, "s/custom/kustomization.yaml"); got != "# mine\n" {
			t.Errorf("force=%v: the user's component was replaced: %q", force, got)
		}
	}
	d, err := Check(root, []File{managed, seed("# a new seed\n")}, scope)
	if err != nil || !d.Empty() || d.Gantry != "v0.1.0" {
		t.Errorf("check: %+v, %v", d, err)
	}
	// The service goes: the edited component and the user's patch stay, and leave the record.
	sum, err := Write(root, nil, WriteOptions{Scope: scope, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sum.Yours, []string{"s/custom/patch.yaml", "s/custom/kustomization.yaml"}) || read(t, root, "s/custom/patch.yaml") != "p\n" {
		t.Errorf("removing the service: %+v", sum)
	}
	if m, _, _ := readManifest(root, newSafeDirs(), nil); len(m.Files) != 0 {
		t.Errorf("the record still holds %v", m.Files)
	}
}

// A seed nobody touched goes with its service.
func TestCustomUntouchedGoesWithTheService(t *testing.T) {
	root := t.TempDir()
	f := file("s/custom/kustomization.yaml", "# seed\n")
	f.Kind = Custom
	if _, err := Write(root, []File{f}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	sum, err := Write(root, nil, WriteOptions{})
	if err != nil || !slices.Equal(sum.Removed, []string{"s/custom/kustomization.yaml"}) {
		t.Fatalf("%+v, %v", sum, err)
	}
}

// An upgrade's summary: one line per changelog reason, the files no entry names last; nothing when
// the release is the same.
func TestUpgradeNotes(t *testing.T) {
	written := []string{"a/t/s/kubernetes/overlays/dev/kustomization.yaml", "a/t/s/kubernetes/overlays/prod/kustomization.yaml", "a/t/s/kubernetes/base/deployment.yaml"}
	want := []string{Changelog[0].Reason + ": 2 files", "other changes: 1 file"}
	if got := UpgradeNotes("v0.0.9", written); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := UpgradeNotes("", written); !slices.Equal(got, want) {
		t.Errorf("a record without a release: %q", got)
	}
	if got := UpgradeNotes(Release, written); got != nil {
		t.Errorf("same release: %q", got)
	}
	if got := Outdated("v9.0.0"); !strings.Contains(got, "upgrade gantry to v9.0.0") {
		t.Errorf("a newer record: %s", got)
	}
}
