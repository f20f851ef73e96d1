package generators

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gantry-dev/gantry/blueprints"
)

func TestCheckPathRejectsEscapes(t *testing.T) {
	for _, p := range []string{"", "../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", `a\b`, "a\x00b", "..", ".gantry/manifest.json", "x/.git/config", ".git"} {
		if err := CheckPath(p); err == nil {
			t.Errorf("CheckPath(%q) accepted", p)
		}
	}
	for _, p := range []string{"a", "a/b.yaml", "acme/billing/payments/kubernetes/base/service.yaml"} {
		if err := CheckPath(p); err != nil {
			t.Errorf("CheckPath(%q): %v", p, err)
		}
	}
}

func file(p, data string) File { return File{Path: p, Data: []byte(data), Target: "kubernetes"} }

func read(t *testing.T, root, p string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestWriteRefusesSymlinkOutOfRoot(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "acme")); err != nil {
		t.Fatal(err)
	}
	_, err := Write(root, []File{file("acme/x.yaml", "x\n")}, WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Write through a symlink: %v", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Error("a file was written outside the root")
	}
}

func TestWriteRemovesOnlyWhatItWrote(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, []File{file("a/one.yaml", "1\n"), file("b/two.yaml", "2\n")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(root, "b", "mine.txt")
	if err := os.WriteFile(mine, []byte("the user's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := Write(root, []File{file("a/one.yaml", "1\n")}, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.String(); got != "0 written, 1 unchanged, 1 removed" {
		t.Errorf("summary %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "b", "two.yaml")); !os.IsNotExist(err) {
		t.Error("the file no longer generated is still there")
	}
	if read(t, root, "b/mine.txt") != "the user's\n" {
		t.Error("the user's file beside it was touched")
	}
}

func TestWriteRefusesEditedAndForeignFiles(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, []File{file("a.yaml", "1\n"), file("b.yaml", "2\n")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "a.yaml"), []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "c.yaml"), []byte("not gantry's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Write(root, []File{file("a.yaml", "1b\n"), file("c.yaml", "3\n")}, WriteOptions{}) // b.yaml would go
	var conflict *ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("want a ConflictError, got %v", err)
	}
	if strings.Join(conflict.Edited, ",") != "a.yaml" || strings.Join(conflict.NotOurs, ",") != "c.yaml" {
		t.Errorf("conflicts: edited %v, not ours %v", conflict.Edited, conflict.NotOurs)
	}
	if !strings.Contains(err.Error(), "--force") {
		t.Errorf("the message does not name the way out: %v", err)
	}
	// Nothing changed: not the edit, not the foreign file, not the file that would have been removed.
	if read(t, root, "a.yaml") != "edited\n" || read(t, root, "c.yaml") != "not gantry's\n" || read(t, root, "b.yaml") != "2\n" {
		t.Error("a refused run changed the tree")
	}
	sum, err := Write(root, []File{file("a.yaml", "1b\n"), file("c.yaml", "3\n")}, WriteOptions{Force: true})
	if err != nil || sum.String() != "2 written, 0 unchanged, 1 removed" {
		t.Errorf("--force: %v %v", sum, err)
	}
}

func TestWriteScopeLeavesOtherEnvironments(t *testing.T) {
	root := t.TempDir()
	dev, prod := File{Path: "x/dev.yaml", Data: []byte("d\n"), Target: "kubernetes", Env: "dev"}, File{Path: "x/prod.yaml", Data: []byte("p\n"), Target: "kubernetes", Env: "prod"}
	if _, err := Write(root, []File{dev, prod}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	sum, err := Write(root, []File{prod}, WriteOptions{Scope: Scope{Env: "prod"}})
	if err != nil || len(sum.Removed) != 0 {
		t.Fatalf("--env prod removed another environment's file: %v %v", sum, err)
	}
	if sum, err := Write(root, []File{prod}, WriteOptions{}); err != nil || strings.Join(sum.Removed, ",") != "x/dev.yaml" {
		t.Errorf("a full run should remove dev.yaml: %v %v", sum, err)
	}
}

// TestWriteInterrupted stops a run after some files: every file is the old or the new version, never
// a mixture, and the next run completes the job.
func TestWriteInterrupted(t *testing.T) {
	root := t.TempDir()
	var old, next []File
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		old = append(old, file(n+".yaml", "old "+n+"\n"))
		next = append(next, file(n+".yaml", "new "+n+"\n"))
	}
	if _, err := Write(root, old, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { afterWrite = nil }()
		afterWrite = func(done int) error {
			if done == 2 {
				return errors.New("killed")
			}
			return nil
		}
		if _, err := Write(root, next, WriteOptions{}); err == nil || err.Error() != "killed" {
			t.Fatalf("err = %v, want the hook's", err)
		}
	}()
	// The record names what landed: each file's entry is the hash of what is on disk.
	m, _, err := readManifest(root, newSafeDirs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range next {
		got := read(t, root, f.Path)
		if got != "old "+f.Path[:1]+"\n" && got != "new "+f.Path[:1]+"\n" {
			t.Errorf("%s is neither old nor new: %q", f.Path, got)
		}
		if m.Files[f.Path].SHA256 != hash([]byte(got)) {
			t.Errorf("%s: the record does not match what is on disk after the interrupted run", f.Path)
		}
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".gantry-tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	// The writes in flight when the run stopped finished; the next run does the rest.
	sum, err := Write(root, next, WriteOptions{})
	if err != nil || len(sum.Written)+len(sum.Unchanged) != 5 || len(sum.Unchanged) < 2 {
		t.Errorf("the next run: %v %v", sum, err)
	}
}

// holdLock locks dir as another process's gantry generate would: on a file description of its own
// (this process's own locks are shared between the roots of one run). The returned func releases it.
func holdLock(t *testing.T, dir string) (release func()) {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
}

func TestWriteLockKeepsASecondRunOut(t *testing.T) {
	root := t.TempDir()
	holdLock(t, root)
	if _, err := Write(root, []File{file("a.yaml", "1\n")}, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "another gantry generate") {
		t.Fatalf("second run: %v", err)
	}
}

func TestWritePermissions(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, []File{file("a/b.yaml", "x\n")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a", "a/b.yaml", StateDir, StateDir + "/manifest.json"} {
		st, err := os.Stat(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o002 != 0 {
			t.Errorf("%s is world-writable: %v", p, st.Mode())
		}
	}
}

func TestCheckFindsStale(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, []File{file("a.yaml", "1\n"), file("b.yaml", "2\n")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := Check(root, []File{file("a.yaml", "1\n")}, Scope{})
	if err != nil || strings.Join(d.Stale, ",") != "b.yaml" || len(d.Changed)+len(d.Missing) != 0 {
		t.Errorf("Check: %+v %v", d, err)
	}
}

func TestUnifiedDiff(t *testing.T) {
	got := UnifiedDiff("a/x", "b/x", []byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n"), []byte("1\n2\n3\n4\nfive\n6\n7\n8\n9\n"))
	want := "--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if UnifiedDiff("a", "b", []byte("same\n"), []byte("same\n")) != "" {
		t.Error("equal files give a diff")
	}
}

func TestTamperedManifestCannotDeleteOutsideRoot(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "out")
	victim := filepath.Join(parent, "victim.txt")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(root, []File{file("a.yaml", "1\n")}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(root, StateDir, "manifest.json")
	data, _ := os.ReadFile(manifest)
	tampered := strings.Replace(string(data), `"a.yaml"`, `"../victim.txt"`, 1)
	if err := os.WriteFile(manifest, []byte(tampered), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(root, nil, WriteOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(victim); string(got) != "keep\n" {
		t.Error("a tampered manifest made Write delete a file outside the root")
	}
}

type hostile struct{}

func (hostile) Name() string         { return "hostile" }
func (hostile) Produces(string) bool { return true }
func (hostile) Generate(*blueprints.ResolvedPlatform, *blueprints.ResolvedService) ([]File, error) {
	return []File{{Path: "../../etc/cron.d/x", Data: []byte("x")}}, nil
}

func TestRunRefusesPathsOutsideRoot(t *testing.T) {
	res := &blueprints.Resolved{Platforms: []*blueprints.ResolvedPlatform{{Name: "p", Services: []*blueprints.ResolvedService{{Name: "s"}}}}}
	if _, err := Run(res, []Generator{hostile{}}); err == nil || !strings.Contains(err.Error(), "outside the output folder") {
		t.Errorf("Run accepted a path outside the root: %v", err)
	}
}

// TestSeedIsWrittenOnceThenLeftAlone: the image pin is Gantry's to create and CI's to change; a change
// is neither drift nor overwritten, not even with --force, and removing the service does not delete a
// pin CI has changed without saying so.
func TestSeedIsWrittenOnceThenLeftAlone(t *testing.T) {
	root := t.TempDir()
	seed := File{Path: "svc/image/kustomization.yaml", Data: []byte("digest: placeholder\n"), Target: "kubernetes", Kind: Seeded}
	other := file("svc/kustomization.yaml", "k\n")
	if _, err := Write(root, []File{other, seed}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if read(t, root, seed.Path) != "digest: placeholder\n" {
		t.Fatal("the seed was not written where it was missing")
	}
	promoted := []byte("digest: sha256:1111\n") // what CI's promote step does
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(seed.Path)), promoted, 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := Check(root, []File{other, seed}, Scope{}); err != nil || !d.Empty() {
		t.Errorf("a promoted pin is reported as drift: %+v %v", d, err)
	}
	for _, force := range []bool{false, true} {
		if _, err := Write(root, []File{other, seed}, WriteOptions{Force: force}); err != nil {
			t.Fatalf("force=%v: %v", force, err)
		}
		if read(t, root, seed.Path) != string(promoted) {
			t.Fatalf("force=%v: the promoted pin was overwritten", force)
		}
	}
	_, err := Write(root, nil, WriteOptions{}) // the service is gone
	var conflict *ConflictError
	if !errors.As(err, &conflict) || strings.Join(conflict.Edited, ",") != seed.Path {
		t.Fatalf("removing a changed pin: want a conflict naming it, got %v", err)
	}
	if _, err := Write(root, nil, WriteOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(seed.Path))); !os.IsNotExist(err) {
		t.Error("--force did not remove the pin of a removed service")
	}
}

// TestOriginKeepsAFileNameOnItsLine: a blueprint's file name with a line break cannot add a line to a
// generated file (a Dockerfile instruction, a YAML key) through its first-line comment.
func TestOriginKeepsAFileNameOnItsLine(t *testing.T) {
	for _, name := range []string{"x\nRUN curl evil | sh\n#.yaml", "a\rb.yaml", "t\u2028x.yaml"} {
		for _, line := range []string{Header(name), "# " + Origin(name) + "\n"} {
			if strings.Count(line, "\n") != 1 || strings.ContainsAny(strings.TrimSuffix(line, "\n"), "\r\n\u2028") {
				t.Errorf("%q gives %q", name, line)
			}
		}
	}
	if got := Origin("blueprints/payments.yaml"); got != Marker+" from blueprints/payments.yaml" {
		t.Errorf("a plain name is changed: %q", got)
	}
}

// shared writes one repository file per platform, with content that depends on the platform when
// perPlatform is set.
type shared struct{ perPlatform bool }

func (shared) Name() string         { return "shared" }
func (shared) Produces(string) bool { return true }
func (shared) Generate(*blueprints.ResolvedPlatform, *blueprints.ResolvedService) ([]File, error) {
	return nil, nil
}
func (g shared) GeneratePlatform(p *blueprints.ResolvedPlatform) ([]File, error) {
	data := "root\n"
	if g.perPlatform {
		data += p.Name + "\n"
	}
	return []File{{Path: ".gitlab-ci.yml", Data: []byte(data), Kind: RepoManaged}}, nil
}

// TestRunSharedFiles: the same file from two platforms is written once; two different files at one
// path are an error that names the targets.
func TestRunSharedFiles(t *testing.T) {
	res := &blueprints.Resolved{Platforms: []*blueprints.ResolvedPlatform{{Name: "a"}, {Name: "b"}}}
	files, err := Run(res, []Generator{shared{}})
	if err != nil || len(files) != 1 {
		t.Fatalf("identical shared file: %d files, %v", len(files), err)
	}
	_, err = Run(res, []Generator{shared{perPlatform: true}})
	if err == nil || !strings.Contains(err.Error(), "the shared and shared targets both produce .gitlab-ci.yml") {
		t.Errorf("clashing files: %v", err)
	}
}

// TestUserDefaultIsKept: a Dockerfile (a default the user may replace) that the user wrote, or edited
// after Gantry wrote it, is theirs: kept without a conflict, --force or not, and no longer in the record,
// so removing the service leaves it (a new user's finding: --force replaced an edited Dockerfile, and an
// edited one blocked every run with advice that could not be followed).
func TestUserDefaultIsKept(t *testing.T) {
	root := t.TempDir()
	df := File{Path: "services/api/Dockerfile", Data: []byte("FROM gantry\n"), Target: "docker", Kind: RepoDefault}
	if _, err := Write(root, []File{df}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	mine := "FROM gantry\nRUN my-step\n"
	if err := os.WriteFile(filepath.Join(root, "services", "api", "Dockerfile"), []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		sum, err := Write(root, []File{df}, WriteOptions{Force: force})
		if err != nil || len(sum.Kept) != 1 {
			t.Fatalf("force=%v: %v %v", force, sum, err)
		}
		if read(t, root, df.Path) != mine {
			t.Fatalf("force=%v: the user's Dockerfile was replaced", force)
		}
	}
	if d, err := Check(root, []File{df}, Scope{}); err != nil || !d.Empty() {
		t.Errorf("an edited default is drift: %+v %v", d, err)
	}
	if _, err := Write(root, nil, WriteOptions{}); err != nil { // the service is gone
		t.Fatal(err)
	}
	if read(t, root, df.Path) != mine {
		t.Error("the user's Dockerfile went with the service")
	}
}

// TestSafeDirsCheck covers the memo of folders found safe and paths found missing: whatever order the
// paths come in, a link at any depth is refused, a missing folder hides what is below it, and a file
// where a folder should be is an error.
func TestSafeDirsCheck(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	for _, d := range []string{"a/b/c", "a/real"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "a/b/c/f.yaml"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "a/plain"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "a/b/link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "x"), filepath.Join(root, "a/real/file-link.yaml")); err != nil {
		t.Fatal(err)
	}
	type want struct {
		exists  bool
		refused bool // a symbolic link
		err     bool // another error
	}
	cases := map[string]want{
		"a/b/c/f.yaml":          {exists: true},
		"a/b/c":                 {exists: true},
		"a/b/c/none.yaml":       {},
		"a/missing/deeper/x":    {},
		"a/missing":             {},
		"a/missing/deeper":      {},
		"a/b/link":              {refused: true},
		"a/b/link/x.yaml":       {refused: true},
		"a/b/link/deep/x.yaml":  {refused: true},
		"a/real/file-link.yaml": {refused: true},
		"a/plain/x.yaml":        {err: true},
		".":                     {exists: true},
	}
	paths := slices.Sorted(maps.Keys(cases))
	reversed := slices.Clone(paths)
	slices.Reverse(reversed)
	for run, order := range [][]string{paths, reversed, paths, reversed} {
		safe := newSafeDirs()
		if run >= 2 {
			safe.prefetch(root, order) // the same answers, asked ahead
		}
		for _, p := range order {
			w := cases[p]
			exists, err := safe.check(root, p)
			var r *RefusedError
			switch {
			case w.refused && !errors.As(err, &r):
				t.Errorf("%s: %v, want a refusal", p, err)
			case w.err && (err == nil || errors.As(err, &r)):
				t.Errorf("%s: %v, want an error", p, err)
			case !w.refused && !w.err && err != nil:
				t.Errorf("%s: %v", p, err)
			case err == nil && exists != w.exists:
				t.Errorf("%s: exists %v, want %v", p, exists, w.exists)
			}
		}
	}
}

// TestPrefetchLooksNoFurther: prefetch asks about a path only when the folder holding it was found a
// folder: nothing below a missing folder (a first run's whole tree), a link, or a file.
func TestPrefetchLooksNoFurther(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a/b/c", "out"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "a/file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "out"), filepath.Join(root, "a/link")); err != nil {
		t.Fatal(err)
	}
	safe := newSafeDirs()
	safe.prefetch(root, []string{"a/b/c/x.yaml", "a/missing/deeper/x.yaml", "a/link/deeper/x.yaml", "a/file/x.yaml", "a/b/c/y.yaml"})
	var got []string
	for p, i := range safe.pre {
		if safe.found[i].asked {
			got = append(got, p)
		}
	}
	slices.Sort(got)
	want := []string{"a", "a/b", "a/b/c", "a/b/c/x.yaml", "a/b/c/y.yaml", "a/file", "a/link", "a/missing"}
	if !slices.Equal(got, want) {
		t.Errorf("looked at %q, want %q", got, want)
	}
}

// TestLinkedRootRefused: an output folder that is itself a symbolic link is refused, with or without
// files the cache vouched for (as gantry new refuses one).
func TestLinkedRootRefused(t *testing.T) {
	real := t.TempDir()
	root := filepath.Join(t.TempDir(), "out")
	if err := os.Symlink(real, root); err != nil {
		t.Fatal(err)
	}
	files := []File{file("a.yaml", "a\n"), file("b/c.yaml", "c\n")}
	if _, err := Write(root, files, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Write into a linked folder: %v", err)
	}
	if _, err := Check(root, files, Scope{}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Check of a linked folder: %v", err)
	}
	if entries, _ := os.ReadDir(real); len(entries) != 0 {
		t.Errorf("written through the link: %v", entries)
	}
}

// TestFIFOAtGeneratedPath: a FIFO where a generated file or the record goes is refused at once; before,
// opening it waited for a writer forever.
func TestFIFOAtGeneratedPath(t *testing.T) {
	for _, at := range []string{"a.yaml", ".gantry/manifest.json"} {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, ".gantry"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(filepath.Join(root, at), 0o644); err != nil {
			t.Skip(err)
		}
		done := make(chan error, 2)
		go func() {
			_, err := Check(root, []File{file("a.yaml", "a\n")}, Scope{})
			done <- err
			_, err = Write(root, []File{file("a.yaml", "a\n")}, WriteOptions{})
			done <- err
		}()
		for _, op := range []string{"Check", "Write"} {
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "regular file") {
					t.Errorf("%s with a FIFO at %s: %v", op, at, err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%s with a FIFO at %s: still waiting after 20 s", op, at)
			}
		}
	}
}

// TestPrefetchAnswersAsOneAtATime: on random trees of folders, files, links, missing paths and
// unreadable folders, check answers every path the same after prefetch as it does alone.
func TestPrefetchAnswersAsOneAtATime(t *testing.T) {
	for seed := range 300 {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		root := t.TempDir()
		var all []string
		var grow func(dir string, depth int)
		grow = func(dir string, depth int) {
			for _, n := range []string{"a", "b", "c"} {
				p := path.Join(dir, n)
				all = append(all, p, path.Join(p, "x.yaml"))
				abs := filepath.Join(root, filepath.FromSlash(p))
				var err error
				switch k := r.IntN(6); {
				case k == 0: // missing
				case k == 1:
					err = os.WriteFile(abs, []byte("x"), 0o644)
				case k == 2:
					err = os.Symlink(t.TempDir(), abs)
				case k == 3 && depth > 0:
					err = os.Mkdir(abs, 0o000)
				case depth < 3:
					if err = os.Mkdir(abs, 0o755); err == nil {
						grow(p, depth+1)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		grow(".", 0)
		var rels []string
		for range 1 + r.IntN(10) {
			rels = append(rels, path.Clean(all[r.IntN(len(all))]))
		}
		answers := func(ahead bool) string {
			safe := newSafeDirs()
			var b strings.Builder
			if _, err := safe.check(root, "."); err != nil {
				t.Fatal(err)
			}
			if ahead {
				safe.prefetch(root, rels)
			}
			for _, rel := range rels {
				exists, err := safe.check(root, rel)
				fmt.Fprintf(&b, "%s %v %v\n", rel, exists, err)
			}
			return b.String()
		}
		if alone, ahead := answers(false), answers(true); alone != ahead {
			t.Fatalf("seed %d:\none at a time:\n%s\nprefetched:\n%s", seed, alone, ahead)
		}
		_ = filepath.WalkDir(root, func(p string, _ fs.DirEntry, _ error) error { return os.Chmod(p, 0o755) }) // so that TempDir's cleanup can remove it
	}
}
