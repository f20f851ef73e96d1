package kubernetes_test

import (
	"encoding/json"
	"fmt"
	"github.com/gantry-dev/gantry/blueprints"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/kubernetes"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// rendered is the examples' output on disk, with every kustomization built: what the checkers read.
type rendered struct {
	dir   string            // the generated tree
	built string            // one file per built kustomization, named after its folder
	kube  map[string]string // platform root -> Kubernetes minor version
}

var (
	renderOnce sync.Once
	renderDir  string
)

// render writes the output of the examples and the apps (gentest.LoadChecked) and builds every
// kustomization with the pinned kustomize.
func render(t *testing.T) rendered {
	t.Helper()
	renderOnce.Do(func() {
		var err error
		if renderDir, err = os.MkdirTemp("", "gantry-verify-*"); err != nil {
			t.Fatal(err)
		}
	})
	r := rendered{dir: filepath.Join(renderDir, "out"), built: filepath.Join(renderDir, "built"), kube: map[string]string{}}
	checked := gentest.LoadChecked(t)
	for _, p := range checked.Platforms {
		r.kube[generators.Root(p)] = p.Spec.KubernetesVersion
	}
	if _, err := os.Stat(r.built); err == nil {
		return r
	}
	files, err := generators.Run(checked, []generators.Generator{kubernetes.New()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generators.Write(r.dir, files, generators.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// A user's customizations of acme's payments (patches for every environment, an extra resource in
	// production), where Gantry seeded its components: every checker below sees the customized overlays
	// as the cluster would.
	for p, data := range gentest.Customizations {
		if !strings.Contains(p, "/kubernetes/") {
			continue
		}
		if err := os.MkdirAll(filepath.Join(r.dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.dir, p), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kustomize := checkers.GoTool(t, "kustomize")
	var dirs []string
	err = filepath.WalkDir(r.dir, func(p string, d os.DirEntry, err error) error {
		// An overlay's image/ and custom/ folders are kustomize Components: built as part of an overlay.
		if err == nil && d.Name() == "kustomization.yaml" && !slices.Contains([]string{"image", kubernetes.CustomComponent}, filepath.Base(filepath.Dir(p))) {
			dirs = append(dirs, filepath.Dir(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tmp := r.built + ".tmp"
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		out, ok := checkers.Run(t, d, kustomize, "build", ".")
		rel, _ := filepath.Rel(r.dir, d)
		if !ok {
			t.Fatalf("kustomize build %s:\n%s", rel, out)
		}
		name := strings.ReplaceAll(filepath.ToSlash(rel), "/", "__") + ".yaml"
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(tmp, r.built); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMain(m *testing.M) {
	code := m.Run()
	// Synchronously, rather than when the supervisors see the binary's pipe close (see StartAPIServer).
	if err := checkers.StopAPIServer(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the API server:", err)
	}
	if renderDir != "" {
		os.RemoveAll(renderDir)
	}
	os.Exit(code)
}

// TestKustomizeBuild: every base, overlay and namespace folder builds (render fails otherwise), and
// every overlay holds the workload.
func TestKustomizeBuild(t *testing.T) {
	r := render(t)
	entries, err := os.ReadDir(r.built)
	if err != nil {
		t.Fatal(err)
	}
	overlays := 0
	for _, e := range entries {
		if strings.Contains(e.Name(), "__overlays__") {
			overlays++
			data, _ := os.ReadFile(filepath.Join(r.built, e.Name()))
			if !strings.Contains(string(data), "kind: Deployment") && !strings.Contains(string(data), "kind: CronJob") && !strings.Contains(string(data), "kind: Job") {
				t.Errorf("%s has no workload", e.Name())
			}
		}
	}
	if overlays == 0 {
		t.Fatal("no overlays were built")
	}
}

// kubeconformArgs are the arguments of every kubeconform run on generated objects: strict (unknown
// fields are errors), the Kubernetes minor version's schemas (made from the k8s.io/kubernetes module's
// OpenAPI document), the CRDs' own schemas and the kinds excepted in exceptions.yaml. It returns the
// full Kubernetes version too.
func kubeconformArgs(t *testing.T, minor string) ([]string, string) {
	t.Helper()
	schemas, version := checkers.SchemaDir(t, minor)
	args := []string{"-strict", "-kubernetes-version", version, "-schema-location", schemas}
	for name, dir := range checkers.Installed(t, "crds") {
		if strings.HasPrefix(name, "crds/") {
			args = append(args, "-schema-location",
				filepath.Join(dir, "schemas", "{{ .Group }}", "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"))
		}
	}
	if skip := checkers.Exceptions(t, "kubeconform"); len(skip) > 0 {
		args = append(args, "-skip", strings.Join(skip, ","))
	}
	return args, version
}

// kubeconform validates files with kubeconform and args and returns the resources it rejects, one
// line each, how many it validated (valid or not; skipped kinds do not count) and how many objects it
// read in each file. It fails the test when kubeconform does not run to the end: an exit status
// without a report, or a report that says one thing and an exit status that says another.
func kubeconform(t *testing.T, dir string, args, files []string) (problems []string, checked int, read map[string]int) {
	t.Helper()
	if len(files) == 0 {
		t.Fatal("kubeconform: no files to check")
	}
	res := checkers.Exec(t, dir, checkers.GoTool(t, "kubeconform"), append(append(slices.Clone(args), "-output", "json", "-summary", "-verbose"), files...)...)
	var rep struct {
		Resources []struct{ Filename, Kind, Name, Status, Msg string }
		Summary   struct{ Valid, Invalid, Errors, Skipped int }
	}
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("kubeconform (exit %d) printed no report: %v\n%s%s", res.Code, err, res.Stdout, res.Stderr)
	}
	read = map[string]int{}
	for _, r := range rep.Resources {
		read[r.Filename]++
		if r.Status != "statusValid" && r.Status != "statusSkipped" {
			problems = append(problems, fmt.Sprintf("%s: %s %s: %s", filepath.Base(r.Filename), r.Kind, r.Name, r.Msg))
		}
	}
	if failed := rep.Summary.Invalid + rep.Summary.Errors; (failed > 0) != (res.Code != 0) || failed != len(problems) {
		t.Fatalf("kubeconform exited %d with %d invalid and %d errors in its summary, %d listed:\n%s%s",
			res.Code, rep.Summary.Invalid, rep.Summary.Errors, len(problems), res.Stdout, res.Stderr)
	}
	return problems, rep.Summary.Valid + rep.Summary.Invalid + rep.Summary.Errors, read
}

// TestKubeconform validates every generated object and every built kustomization of each platform
// against its Kubernetes version's schemas and the CRDs' schemas, strictly: zero findings, and
// kubeconform must have read every file it was given.
func TestKubeconform(t *testing.T) {
	r := render(t)
	if len(r.kube) == 0 {
		t.Fatal("no platforms among the examples")
	}
	for platform, minor := range r.kube {
		args, version := kubeconformArgs(t, minor)
		// Patches are partial objects (checked once built) and kustomizations are not Kubernetes objects;
		// so are the user's patches in the custom components, whose resources are checked built too.
		var files []string
		filepath.WalkDir(filepath.Join(r.dir, platform), func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() && d.Name() == kubernetes.CustomComponent {
				return filepath.SkipDir
			}
			if err == nil && !d.IsDir() && d.Name() != "kustomization.yaml" && !strings.HasPrefix(d.Name(), "patch-") {
				files = append(files, p)
			}
			return err
		})
		built, _ := filepath.Glob(filepath.Join(r.built, platform+"__*.yaml"))
		files = append(files, built...)
		problems, checked, read := kubeconform(t, r.dir, args, files)
		if len(problems) > 0 {
			t.Errorf("kubeconform on %s (Kubernetes %s):\n%s", platform, version, strings.Join(problems, "\n"))
		}
		for _, f := range files {
			if read[f] == 0 {
				t.Errorf("kubeconform read no object in %s", f)
			}
		}
		if checked == 0 {
			t.Errorf("kubeconform validated no object of %s", platform)
		}
		t.Logf("kubeconform: %s: %d objects validated in %d files", platform, checked, len(files))
	}
}

// TestKubeconformCatchesMistakes proves the check above can fail, with its own arguments: a wrong
// type and a misspelt field are reported, and the valid object beside them is still counted.
func TestKubeconformCatchesMistakes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`apiVersion: v1
kind: ConfigMap
metadata: {name: fine}
data: {a: b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  replicas: two
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0.0
          imagePullPolicyy: Always
`), 0o644); err != nil {
		t.Fatal(err)
	}
	args, _ := kubeconformArgs(t, "1.35")
	problems, checked, _ := kubeconform(t, dir, args, []string{bad})
	got := strings.Join(problems, "\n")
	for _, want := range []string{"replicas", "imagePullPolicyy"} {
		if !strings.Contains(got, want) {
			t.Errorf("kubeconform did not report %q; it reported:\n%s", want, got)
		}
	}
	if len(problems) != 1 || checked != 2 {
		t.Errorf("kubeconform: %d objects checked, %d rejected; want 2 and 1:\n%s", checked, len(problems), got)
	}
}

// kubeScore scores the objects in file with kube-score, without the tests excepted in exceptions.yaml,
// and returns every WARNING and CRITICAL and how many objects it scored. It fails the test when
// kube-score does not run to the end or its exit status disagrees with its report.
func kubeScore(t *testing.T, file string) (problems []string, scored int) {
	t.Helper()
	args := []string{"score", "--output-format", "json", "--exit-one-on-warning"}
	for _, rule := range checkers.Exceptions(t, "kube-score") {
		args = append(args, "--ignore-test", rule)
	}
	res := checkers.Exec(t, filepath.Dir(file), checkers.GoTool(t, "kube-score"), append(args, file)...)
	var objects []struct {
		ObjectName string `json:"object_name"`
		Checks     []struct {
			Check struct {
				ID string `json:"id"`
			} `json:"check"`
			Grade    int  `json:"grade"`
			Skipped  bool `json:"skipped"`
			Comments []struct {
				Path, Summary string
			} `json:"comments"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &objects); err != nil {
		t.Fatalf("kube-score %s (exit %d) printed no report: %v\n%s%s", filepath.Base(file), res.Code, err, res.Stdout, res.Stderr)
	}
	const warning = 5 // kube-score's scorecard.GradeWarning; CRITICAL is 1
	for _, o := range objects {
		ran := false
		for _, c := range o.Checks {
			if c.Skipped {
				continue
			}
			ran = true
			if c.Grade > warning {
				continue
			}
			level := "WARNING"
			if c.Grade < warning {
				level = "CRITICAL"
			}
			msg := fmt.Sprintf("[%s] %s: %s", level, o.ObjectName, c.Check.ID)
			for _, cm := range c.Comments {
				msg += fmt.Sprintf("\n    %s %s", cm.Path, cm.Summary)
			}
			problems = append(problems, msg)
		}
		if ran {
			scored++
		}
	}
	if (len(problems) > 0) != (res.Code != 0) {
		t.Fatalf("kube-score %s exited %d with %d warnings or criticals:\n%s%s", filepath.Base(file), res.Code, len(problems), res.Stdout, res.Stderr)
	}
	slices.Sort(problems)
	return problems, scored
}

// TestKubeScore scores every built overlay: no CRITICAL and no WARNING outside the exceptions file, and
// every overlay has its workload scored.
func TestKubeScore(t *testing.T) {
	r := render(t)
	overlays, _ := filepath.Glob(filepath.Join(r.built, "*__overlays__*.yaml"))
	if len(overlays) == 0 {
		t.Fatal("no built overlays to score")
	}
	total := 0
	for _, f := range overlays {
		problems, scored := kubeScore(t, f)
		if len(problems) > 0 {
			t.Errorf("kube-score %s:\n%s", filepath.Base(f), strings.Join(problems, "\n"))
		}
		if scored == 0 {
			t.Errorf("kube-score scored no object in %s", filepath.Base(f))
		}
		total += scored
	}
	t.Logf("kube-score: %d objects in %d overlays", total, len(overlays))
}

// TestKubeScoreCatchesMistakes proves the check above can fail, with its own exceptions: a
// Deployment without resources, probes or a pinned image is reported.
func TestKubeScoreCatchesMistakes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: bad, namespace: bad}
spec:
  replicas: 1
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:latest
`), 0o644); err != nil {
		t.Fatal(err)
	}
	problems, scored := kubeScore(t, bad)
	got := strings.Join(problems, "\n")
	for _, want := range []string{"[CRITICAL] Deployment/apps/v1/bad/bad: container-resources", "[CRITICAL] Deployment/apps/v1/bad/bad: container-image-tag"} {
		if !strings.Contains(got, want) {
			t.Errorf("kube-score did not report %q; it reported:\n%s", want, got)
		}
	}
	if scored != 1 {
		t.Errorf("kube-score scored %d objects, want 1", scored)
	}
}

// trivyReport is the part of `trivy config --format json` the tests read.
type trivyReport struct {
	Results []struct {
		Target            string
		MisconfSummary    *struct{ Successes, Failures int }
		Misconfigurations []struct {
			ID, AVDID, Title, Severity, Status, Message string
		}
	}
}

// trivyConfig scans dir with trivy's embedded Kubernetes checks and returns every failed check not
// excepted in exceptions.yaml, one line each, and the files it scanned, each with the number of checks
// it ran. KSV-0125 (trusted registries) is configured the way its authors intend: the trusted
// registries are the organisation's own, here each checked platform's spec.registry host and the
// registries of the prebuilt images it runs. It fails the
// test when trivy does not run to the end.
func trivyConfig(t *testing.T, dir string) (problems []string, scanned map[string]int) {
	t.Helper()
	trivy := checkers.Installed(t, "trivy")["trivy"]
	ignored := checkers.Exceptions(t, "trivy")
	var registries []string
	for _, p := range gentest.LoadChecked(t).Platforms {
		registries = append(registries, strings.SplitN(p.Spec.Registry, "/", 2)[0])
		// A platform that runs a prebuilt image trusts the registry it comes from.
		for _, s := range p.Services {
			if s.Base.Prebuilt != "" {
				registries = append(registries, strings.SplitN(s.Base.Prebuilt, "/", 2)[0])
			}
			// ... and the ones its in-cluster dependencies' images come from.
			for _, ref := range blueprints.ClusterImages(p, s) {
				registries = append(registries, strings.SplitN(ref, "/", 2)[0])
			}
		}
	}
	slices.Sort(registries)
	registries = slices.Compact(registries)
	data, _ := json.Marshal(map[string]any{"ksv0125": map[string]any{"trusted_registries": registries}})
	work := t.TempDir()
	dataDir := filepath.Join(work, "trivy-data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "registries.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	res := checkers.Exec(t, dir, trivy, "config", "--skip-check-update", "--quiet", "--format", "json",
		"--config-data", dataDir, "--cache-dir", filepath.Join(work, "cache"), "--exit-code", "0", ".")
	if res.Code != 0 {
		t.Fatalf("trivy config exited %d:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	var rep trivyReport
	if err := json.Unmarshal([]byte(res.Stdout), &rep); err != nil {
		t.Fatalf("trivy output: %v\n%s%s", err, res.Stdout, res.Stderr)
	}
	scanned = map[string]int{}
	for _, r := range rep.Results {
		if r.MisconfSummary != nil {
			scanned[r.Target] += r.MisconfSummary.Successes + r.MisconfSummary.Failures
		}
		for _, m := range r.Misconfigurations {
			if m.Status != "FAIL" || slices.Contains(ignored, m.ID) || slices.Contains(ignored, m.AVDID) {
				continue
			}
			problems = append(problems, fmt.Sprintf("%s: %s %s (%s): %s", r.Target, m.ID, m.Severity, m.Title, m.Message))
		}
	}
	return problems, scanned
}

// TestTrivyConfig scans every built overlay and namespace with trivy's embedded checks: zero findings
// of any severity outside the exceptions file, and every file scanned.
func TestTrivyConfig(t *testing.T) {
	r := render(t)
	problems, scanned := trivyConfig(t, r.built)
	for _, p := range problems {
		t.Error(p)
	}
	files, _ := filepath.Glob(filepath.Join(r.built, "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no built kustomizations to scan")
	}
	for _, f := range files {
		if scanned[filepath.Base(f)] == 0 {
			t.Errorf("trivy ran no check on %s", filepath.Base(f))
		}
	}
}

// TestTrivyCatchesMistakes proves the check above can fail, with its own configuration: a privileged
// container on the host's network is reported.
func TestTrivyCatchesMistakes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: bad, namespace: bad}
spec:
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      hostNetwork: true
      containers:
        - name: app
          image: registry.example.com/app:1.0.0
          securityContext: {privileged: true}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	problems, scanned := trivyConfig(t, dir)
	got := strings.Join(problems, "\n")
	for _, want := range []string{"Privileged", "host network"} {
		if !strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
			t.Errorf("trivy did not report %q; it reported:\n%s", want, got)
		}
	}
	if scanned["bad.yaml"] == 0 {
		t.Errorf("trivy ran no check on bad.yaml: %v", scanned)
	}
}
