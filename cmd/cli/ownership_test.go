package cli_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree lists the files under dir (slash paths, relative), without Gantry's own folder.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "/.gantry/") || strings.Contains(p, "/.git/") {
			return nil
		}
		data, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	return out
}

func service(name string, port string) string {
	return strings.NewReplacer("name: api", "name: "+name, "8080", port).Replace(okService)
}

func mustRun(t *testing.T, dir string, args ...string) result {
	t.Helper()
	r := run(t, dir, args...)
	if r.code != 0 {
		t.Fatalf("gantry %s: exit %d\n%s", strings.Join(args, " "), r.code, r.errOut)
	}
	return r
}

// TestGenerateOneBlueprintLeavesTheOthers: naming one blueprint (as a developer does after editing it)
// writes that service's files and removes none of the other services' (the red team's run removed 132).
// Removing a blueprint and generating the folder still removes its files.
func TestGenerateOneBlueprintLeavesTheOthers(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), service("api", "8080"))
	writeFile(t, filepath.Join(dir, "blueprints", "web.yaml"), service("web", "8080"))
	mustRun(t, dir, "generate", "--quiet")
	before := tree(t, dir)
	writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), service("api", "8081"))
	r := mustRun(t, dir, "generate", "--json", "blueprints/api.yaml")
	var sum struct{ Written, Removed, Deferred []string }
	if err := json.Unmarshal([]byte(r.out), &sum); err != nil {
		t.Fatalf("%v: %s", err, r.out)
	}
	if len(sum.Removed) != 0 {
		t.Errorf("generating one blueprint removed %d files: %v", len(sum.Removed), sum.Removed)
	}
	after := tree(t, dir)
	for p, data := range before {
		if strings.Contains(p, "/web/") || strings.HasSuffix(p, "/web.yaml") {
			if after[p] != data {
				t.Errorf("%s (the other service's) changed or went", p)
			}
		}
	}
	for _, p := range sum.Written {
		if strings.Contains(p, "/web/") {
			t.Errorf("%s (the other service's) was written", p)
		}
	}
	if r := run(t, dir, "generate", "--check", "blueprints/api.yaml"); r.code != 0 {
		t.Errorf("--check of the subset just written: exit %d\n%s", r.code, r.errOut)
	}
	// The whole folder: everything current again, nothing deferred.
	mustRun(t, dir, "generate", "--quiet")
	if r := run(t, dir, "generate", "--check"); r.code != 0 {
		t.Errorf("--check of the whole folder: %s", r.errOut)
	}
	// A blueprint removed: its files go with it when its folder is generated.
	os.Remove(filepath.Join(dir, "blueprints", "web.yaml"))
	r = mustRun(t, dir, "generate", "--json")
	if err := json.Unmarshal([]byte(r.out), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Removed) == 0 {
		t.Fatal("the removed blueprint's files were kept")
	}
	for p := range tree(t, dir) {
		if strings.Contains(p, "/web/") || strings.HasSuffix(p, "workflows/web.yaml") {
			t.Errorf("%s of the removed blueprint is still there", p)
		}
	}
}

// TestTwoBlueprintFoldersShareTheRepositoryRoot: two platforms in one repository, each generated into
// its own output folder, share the repository root (pipelines, Dockerfiles): neither run removes the
// other's files, and running the first again changes nothing.
func TestTwoBlueprintFoldersShareTheRepositoryRoot(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	platform := "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: NAME}\nspec: {ci: github}\n"
	writeFile(t, filepath.Join(dir, "a", "platform.yaml"), strings.Replace(platform, "NAME", "pa", 1))
	writeFile(t, filepath.Join(dir, "a", "one.yaml"), service("one", "8080"))
	writeFile(t, filepath.Join(dir, "b", "platform.yaml"), strings.Replace(platform, "NAME", "pb", 1))
	writeFile(t, filepath.Join(dir, "b", "two.yaml"), service("two", "8080"))
	mustRun(t, dir, "generate", "a", "-o", "deploy-a", "--quiet")
	a := tree(t, dir)
	r := mustRun(t, dir, "generate", "b", "-o", "deploy-b", "--json")
	if strings.Contains(r.out, `"removed": [
    "`) {
		t.Errorf("b's run removed files:\n%s", r.out)
	}
	now := tree(t, dir)
	for p, data := range a {
		if now[p] != data {
			t.Errorf("%s, written by a's run, was changed or removed by b's", p)
		}
	}
	if _, ok := now[".github/workflows/one.yaml"]; !ok {
		t.Error("a's pipeline is gone")
	}
	r = mustRun(t, dir, "generate", "a", "-o", "deploy-a")
	if !strings.HasPrefix(r.out, "0 written") || !strings.Contains(r.out, "0 removed") {
		t.Errorf("a's second run was not a no-op: %s", r.out)
	}
	for _, args := range [][]string{{"a", "-o", "deploy-a"}, {"b", "-o", "deploy-b"}} {
		if r := run(t, dir, append([]string{"generate", "--check"}, args...)...); r.code != 0 {
			t.Errorf("--check %v: %s", args, r.errOut)
		}
	}
}

// TestTamperedRecordCannotDeleteOutsideTheLayout: entries added to the committed record (as a pull
// request can) for .git/HEAD and a blueprint, with their correct hashes, delete neither.
func TestTamperedRecordCannotDeleteOutsideTheLayout(t *testing.T) {
	dir := t.TempDir()
	generated(t, dir) // repo root = output folder's parent: two records
	writeFile(t, filepath.Join(dir, ".git", "HEAD"), "ref: refs/heads/main\n")
	writeFile(t, filepath.Join(dir, "blueprints", "platform.yaml"), "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: default}\n")
	writeFile(t, filepath.Join(dir, "deploy", "notes.txt"), "mine\n")
	for _, rec := range []string{filepath.Join(dir, ".gantry", "manifest.json"), filepath.Join(dir, "deploy", ".gantry", "manifest.json")} {
		data, err := os.ReadFile(rec)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(data, &m)
		files := m["files"].(map[string]any)
		base := filepath.Dir(filepath.Dir(rec))
		for _, victim := range []string{".git/HEAD", "blueprints/platform.yaml", "notes.txt", "services/api/Dockerfile.bak", "../.git/HEAD"} {
			content, err := os.ReadFile(filepath.Join(base, victim))
			if err != nil {
				continue
			}
			files[victim] = map[string]any{"sha256": sha(content), "target": "docker"}
		}
		out, _ := json.MarshalIndent(m, "", "  ")
		writeFile(t, rec, string(out))
	}
	mustRun(t, dir, "generate", "--quiet")
	mustRun(t, dir, "generate", "--force", "--quiet")
	for _, p := range []string{".git/HEAD", "blueprints/platform.yaml", "deploy/notes.txt"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s was removed through a tampered record: %v", p, err)
		}
	}
}

// TestGantryFolderThroughASymlink: with the output's (or the repository root's) .gantry a symbolic link
// to another folder, generate and --check refuse, and nothing is created or replaced behind the link.
func TestGantryFolderThroughASymlink(t *testing.T) {
	for _, where := range []string{"deploy", "."} {
		t.Run(where, func(t *testing.T) {
			dir := t.TempDir()
			repo(t, dir)
			elsewhere := t.TempDir()
			bait := `{"version": 1, "files": {}}` + "\n"
			writeFile(t, filepath.Join(elsewhere, "manifest.json"), bait)
			os.MkdirAll(filepath.Join(dir, where), 0o755)
			if err := os.Symlink(elsewhere, filepath.Join(dir, where, ".gantry")); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"generate"}, {"generate", "--check"}, {"generate", "--force"}} {
				r := run(t, dir, args...)
				if r.code != 1 || !strings.Contains(r.errOut, "symbolic link") {
					t.Errorf("%v: exit %d, %s", args, r.code, r.errOut)
				}
			}
			entries, _ := os.ReadDir(elsewhere)
			if len(entries) != 1 {
				t.Errorf("files were created behind the link: %v", entries)
			}
			if data, _ := os.ReadFile(filepath.Join(elsewhere, "manifest.json")); string(data) != bait {
				t.Error("the file behind the link was replaced")
			}
		})
	}
}

// TestRefusedWriteLeavesNothing: a run refused for a conflict creates no folder and no file, not even
// Gantry's own.
func TestRefusedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	repo(t, dir)
	writeFile(t, filepath.Join(dir, "deploy", "default", "namespaces", "core", "namespace.yaml"), "mine\n")
	before := tree(t, dir)
	r := run(t, dir, "generate")
	if r.code != 1 || !strings.Contains(r.errOut, "did not write") {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	for _, p := range []string{"deploy/.gantry", ".gantry"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); err == nil {
			t.Errorf("a refused run created %s", p)
		}
	}
	if after := tree(t, dir); len(after) != len(before) {
		t.Errorf("a refused run changed the tree: %d files before, %d after", len(before), len(after))
	}
}

// TestLeftoverTemporaryFiles: the temporary file of a killed run is reported by --check and removed by
// the next generate; a file of the same shape that is not a regular file is neither.
func TestLeftoverTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	generated(t, dir)
	base := filepath.Join(dir, "deploy", "default", "core", "api", "kubernetes", "base")
	leftover := filepath.Join(base, ".service.yaml.4242-7.gantry-tmp")
	writeFile(t, leftover, "half a file")
	lookalike := filepath.Join(base, ".notes.1-1.gantry-tmp")
	os.Mkdir(lookalike, 0o755)
	r := run(t, dir, "generate", "--check")
	if r.code != 1 || !strings.Contains(r.errOut, "leftover: deploy/default/core/api/kubernetes/base/.service.yaml.4242-7.gantry-tmp") {
		t.Errorf("--check: exit %d\n%s", r.code, r.errOut)
	}
	if strings.Contains(r.errOut, ".notes.") {
		t.Errorf("--check took a folder for a temporary file:\n%s", r.errOut)
	}
	r = mustRun(t, dir, "generate")
	if !strings.Contains(r.out, "1 temporary files of an interrupted run removed") {
		t.Errorf("summary: %s", r.out)
	}
	if _, err := os.Stat(leftover); err == nil {
		t.Error("the leftover is still there")
	}
	if _, err := os.Stat(lookalike); err != nil {
		t.Error("the look-alike folder was removed")
	}
	mustRun(t, dir, "generate", "--check")
}

func sha(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// TestGenerateOneFolderBelowThePlatform: naming one team's folder below the platform file loads part of
// the platform: the other teams' files stay, and the platform-wide files (namespaces, GitOps projects and
// environments, which list every service) are neither removed nor rewritten from the part (review
// finding: 15 removed, the GitOps environments rewritten without the other teams).
func TestGenerateOneFolderBelowThePlatform(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	writeFile(t, filepath.Join(dir, "blueprints", "platform.yaml"), "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\n"+
		"spec: {gitops: {engine: argocd, repoURL: \"https://github.com/acme/gitops.git\"}}\n")
	writeFile(t, filepath.Join(dir, "blueprints", "core", "api.yaml"), service("api", "8080"))
	writeFile(t, filepath.Join(dir, "blueprints", "data", "reports.yaml"), strings.Replace(service("reports", "8080"), "team: core", "team: data", 1))
	mustRun(t, dir, "generate", "--quiet")
	before := tree(t, dir)
	r := mustRun(t, dir, "generate", "--json", "blueprints/data")
	var sum struct{ Removed []string }
	json.Unmarshal([]byte(r.out), &sum)
	if len(sum.Removed) != 0 {
		t.Errorf("a folder below the platform removed %v", sum.Removed)
	}
	after := tree(t, dir)
	for p, data := range before {
		if !strings.Contains(p, "/data/") && after[p] != data {
			t.Errorf("%s changed or went", p)
		}
	}
	if r := run(t, dir, "generate", "--check"); r.code != 0 {
		t.Errorf("the whole platform is not current after the part: %s", r.errOut)
	}
}

// TestRecordOfAnEarlierVersion: entries without a blueprint or platform (a record written before they
// were kept) are never removed by a run that cannot tell whose they are (review finding: an upgrade
// then a run over one platform removed the other's 67 files).
func TestRecordOfAnEarlierVersion(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	for _, p := range []string{"a", "b"} {
		writeFile(t, filepath.Join(dir, "bp", p, "platform.yaml"), "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: "+p+"}\n")
		writeFile(t, filepath.Join(dir, "bp", p, "svc.yaml"), service("svc-"+p, "8080"))
	}
	mustRun(t, dir, "generate", "bp", "--quiet")
	for _, rec := range []string{filepath.Join(dir, ".gantry", "manifest.json"), filepath.Join(dir, "deploy", ".gantry", "manifest.json")} {
		data, err := os.ReadFile(rec)
		if err != nil {
			continue
		}
		var m map[string]any
		json.Unmarshal(data, &m)
		for _, e := range m["files"].(map[string]any) {
			delete(e.(map[string]any), "source")
			delete(e.(map[string]any), "platform")
		}
		delete(m, "platforms")
		out, _ := json.Marshal(m)
		writeFile(t, rec, string(out))
	}
	before := tree(t, dir)
	r := mustRun(t, dir, "generate", "--json", "bp/a")
	var sum struct{ Removed []string }
	json.Unmarshal([]byte(r.out), &sum)
	if len(sum.Removed) != 0 {
		t.Errorf("removed through an earlier version's record: %v", sum.Removed)
	}
	for p, data := range before {
		if strings.Contains(p, "/b/") || strings.Contains(p, "svc-b") {
			if tree(t, dir)[p] != data {
				t.Errorf("%s of the other platform changed or went", p)
			}
		}
	}
}

// TestOutsideARepository: blueprints of one file name in two folders, outside any git repository, are
// two blueprints to the record: naming one (or its folder) removes none of the other's files (review
// finding: the record knew both as service.yaml, and 29 files went).
func TestOutsideARepository(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bp", "a", "service.yaml"), service("reports", "8080"))
	writeFile(t, filepath.Join(dir, "bp", "b", "service.yaml"), service("reports2", "8080"))
	mustRun(t, dir, "generate", "bp", "--quiet")
	for _, args := range [][]string{{"bp/a/service.yaml"}, {"bp/a"}} {
		r := mustRun(t, dir, append([]string{"generate", "--json"}, args...)...)
		var sum struct{ Removed []string }
		json.Unmarshal([]byte(r.out), &sum)
		if len(sum.Removed) != 0 {
			t.Errorf("generate %v removed %v", args, sum.Removed)
		}
	}
	if r := run(t, dir, "generate", "--check", "bp"); r.code != 0 {
		t.Errorf("--check: %s", r.errOut)
	}
}

// TestPlatformRenamed: the platform-wide files of a platform that is renamed (or deleted) go with it
// when its folder is generated, and --check then finds nothing (review finding: 28 files stayed, and
// --check said all was current).
func TestPlatformRenamed(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	platform := "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: NAME}\nspec: {gitops: {engine: argocd, repoURL: \"https://github.com/acme/gitops.git\"}}\n"
	writeFile(t, filepath.Join(dir, "blueprints", "platform.yaml"), strings.Replace(platform, "NAME", "acme", 1))
	writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), service("api", "8080"))
	mustRun(t, dir, "generate", "--quiet")
	writeFile(t, filepath.Join(dir, "blueprints", "platform.yaml"), strings.Replace(platform, "NAME", "acme2", 1))
	mustRun(t, dir, "generate", "--quiet")
	for p := range tree(t, dir) {
		if strings.HasPrefix(p, "deploy/acme/") {
			t.Errorf("%s of the old platform name is still there", p)
		}
	}
	if r := run(t, dir, "generate", "--check"); r.code != 0 {
		t.Errorf("--check: %s", r.errOut)
	}
}

// TestSkippedFolderIsNotGone: a blueprint in a folder the search skips (a dot folder, testdata) still
// exists: generating its parent folder does not take its files for a removed blueprint's (review
// finding: 34 files removed).
func TestSkippedFolderIsNotGone(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), service("api", "8080"))
	writeFile(t, filepath.Join(dir, "blueprints", ".wip", "drafts.yaml"), strings.Replace(service("drafts", "8080"), "team: core", "team: lab", 1))
	mustRun(t, dir, "generate", "--quiet", "blueprints/.wip/drafts.yaml")
	r := mustRun(t, dir, "generate", "--json", "blueprints")
	var sum struct{ Removed []string }
	json.Unmarshal([]byte(r.out), &sum)
	if len(sum.Removed) != 0 {
		t.Errorf("removed the files of a blueprint that is still there: %v", sum.Removed)
	}
}

// TestDotDotFromALinkedFolder: a relative path with ".." from a working folder reached through a
// symbolic link goes where the system (ls ..) goes (review finding: "no such file or folder").
func TestDotDotFromALinkedFolder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "real", "proj", "bp", "api.yaml"), service("api", "8080"))
	os.MkdirAll(filepath.Join(dir, "real", "proj", "sub"), 0o755)
	if err := os.Symlink(filepath.Join(dir, "real", "proj", "sub"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(dir, "link"))
	t.Setenv("PWD", filepath.Join(dir, "link"))
	if r := run(t, "", "validate", "../bp"); r.code != 0 {
		t.Errorf("validate ../bp: exit %d %s", r.code, r.errOut)
	}
}

// TestPartialRunWithEdgesRefused: a blueprint named alone whose service calls (or is called by) a service
// in a file not named would get network and mesh rules without that edge: generate and --check refuse,
// naming the reference, and write nothing; naming both files works (a new user's finding: payments'
// NetworkPolicy lost its egress to ledger and its caller gateway, with only a warning).
func TestPartialRunWithEdgesRefused(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	writeFile(t, filepath.Join(dir, "blueprints", "api.yaml"), strings.Replace(service("api", "8080"), "port: 8080}", "port: 8080, calls: [web]}", 1))
	writeFile(t, filepath.Join(dir, "blueprints", "web.yaml"), strings.Replace(service("web", "8081"), "port: 8081}", "port: 8081, callers: [api]}", 1))
	mustRun(t, dir, "generate", "--quiet")
	before := tree(t, dir)
	for _, args := range [][]string{{"generate", "blueprints/api.yaml"}, {"generate", "--check", "blueprints/api.yaml"}} {
		r := run(t, dir, args...)
		if r.code != 1 || !strings.Contains(r.errOut, `refer to services in files that were not named: web (blueprints/api.yaml:4:`) {
			t.Errorf("%v: exit %d\n%s", args, r.code, r.errOut)
		}
	}
	if after := tree(t, dir); len(after) != len(before) {
		t.Error("a refused partial run changed the tree")
	}
	mustRun(t, dir, "generate", "--quiet", "blueprints/api.yaml", "blueprints/web.yaml")
	if r := run(t, dir, "generate", "--check"); r.code != 0 {
		t.Errorf("--check after naming both: %s", r.errOut)
	}
}
