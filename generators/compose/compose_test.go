package compose_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/compose"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/targets"
)

func run(t testing.TB, res *blueprints.Resolved) []generators.File {
	t.Helper()
	files, err := generators.Run(res, []generators.Generator{compose.New()})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGolden(t *testing.T) {
	gentest.Golden(t, "testdata/golden", run(t, gentest.LoadExamples(t)))
}

// load reads a Compose file with the Compose specification's own loader: schema validation,
// interpolation, normalisation and the consistency checks (every depends_on, volume, config and
// network a service names exists). Variables are unset, as on a machine with no .env file.
func load(t testing.TB, f generators.File) (*types.Project, error) {
	t.Helper()
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  t.TempDir(),
		ConfigFiles: []types.ConfigFile{{Filename: f.Path, Content: f.Data}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SkipResolveEnvironment = true })
}

// TestComposeSpec: the examples' and the real apps' files load with zero errors, and each holds what
// this target promises: hardening, pinned dependency images, loopback-only ports, healthy dependencies.
func TestComposeSpec(t *testing.T) {
	files := run(t, gentest.LoadChecked(t))
	if len(files) == 0 {
		t.Fatal("no Compose file generated")
	}
	for _, f := range files {
		t.Run(f.Path, func(t *testing.T) {
			if f.Kind != generators.RepoManaged {
				t.Errorf("kind %v, want RepoManaged (the file lives at the repository root)", f.Kind)
			}
			proj, err := load(t, f)
			if err != nil {
				t.Fatalf("compose-go rejects %s: %v", f.Path, err)
			}
			checkProject(t, proj)
			checkAddresses(t, proj)
		})
	}
}

var pinned = regexp.MustCompile(`^[a-z0-9./-]+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$`)

func checkProject(t *testing.T, proj *types.Project) {
	t.Helper()
	if len(proj.Services)+len(proj.DisabledServices) == 0 {
		t.Fatal("no services")
	}
	all := map[string]types.ServiceConfig{}
	for n, s := range proj.Services {
		all[n] = s
	}
	for n, s := range proj.DisabledServices { // cron services sit in a profile
		all[n] = s
	}
	for name, s := range all {
		uid, _, _ := strings.Cut(s.User, ":")
		if id, err := strconv.Atoi(uid); err != nil || id == 0 {
			t.Errorf("%s: user %q is not a numeric non-root user", name, s.User)
		}
		if !slices.Equal(s.CapDrop, []string{"ALL"}) || len(s.CapAdd) > 0 {
			t.Errorf("%s: cap_drop %v, cap_add %v", name, s.CapDrop, s.CapAdd)
		}
		if !slices.Contains(s.SecurityOpt, "no-new-privileges:true") {
			t.Errorf("%s: security_opt %v", name, s.SecurityOpt)
		}
		if s.Build == nil && !pinned.MatchString(s.Image) {
			t.Errorf("%s: image %q is not pinned by digest", name, s.Image)
		}
		if !s.ReadOnly && !strings.HasPrefix(s.Image, "docker.io/apache/kafka:") {
			t.Errorf("%s: root filesystem not read-only", name)
		}
		for _, p := range s.Ports {
			if p.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %d published on %q, not loopback", name, p.Target, p.HostIP)
			}
			if s.Environment["PORT"] == nil {
				t.Errorf("%s: a port is published for a service that serves none", name)
			}
		}
		for dep, d := range s.DependsOn {
			if d.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s: depends_on %s is %q, want service_healthy", name, dep, d.Condition)
			}
			if all[dep].HealthCheck == nil {
				t.Errorf("%s: depends on %s, which has no health check", name, dep)
			}
		}
	}
}

// addressRE finds a service address in an env value: NAME.NAMESPACE.svc:PORT.
var addressRE = regexp.MustCompile(`([a-z0-9-]+\.[a-z0-9-]+\.svc):([0-9]+)`)

// checkAddresses: every NAME.NAMESPACE.svc:PORT in an env value is a network alias of a service of
// the file that listens on PORT (its PORT variable), so the address resolves and connects; every
// dependency's HOST names a container of the file.
func checkAddresses(t *testing.T, proj *types.Project) {
	t.Helper()
	listen := map[string]string{} // alias -> PORT
	for _, s := range proj.Services {
		for _, n := range s.Networks {
			if n == nil {
				continue
			}
			for _, a := range n.Aliases {
				if p := s.Environment["PORT"]; p != nil {
					listen[a] = *p
				}
			}
		}
	}
	for name, s := range proj.Services {
		for k, v := range s.Environment {
			if v == nil {
				continue
			}
			for _, m := range addressRE.FindAllStringSubmatch(*v, -1) {
				if got, ok := listen[m[1]]; !ok || got != m[2] {
					t.Errorf("%s: %s=%s: %s:%s is not a service of the file listening there (alias port %q)", name, k, *v, m[1], m[2], got)
				}
			}
			if strings.HasSuffix(k, "_HOST") && !strings.Contains(*v, ".") {
				if _, ok := proj.Services[*v]; !ok {
					t.Errorf("%s: %s=%s names no container of the file", name, k, *v)
				}
			}
		}
	}
}

// TestLoaderCanFail: the loader is not a rubber stamp: a misspelt key and a depends_on that names no
// service are both rejected.
func TestLoaderCanFail(t *testing.T) {
	f := run(t, gentest.LoadExamples(t, gentest.ExamplesDir+"/acme"))[0]
	for _, bad := range []struct{ from, to string }{
		{"read_only:", "read_onyl:"},
		{"condition: service_healthy", "condition: service_happy"},
	} {
		g := f
		g.Data = bytes.Replace(f.Data, []byte(bad.from), []byte(bad.to), 1)
		if bytes.Equal(g.Data, f.Data) {
			t.Fatalf("%q is not in the file", bad.from)
		}
		if _, err := load(t, g); err == nil {
			t.Errorf("compose-go accepts %q", bad.to)
		}
	}
}

// TestDeterministic: the same blueprints give the same bytes.
func TestDeterministic(t *testing.T) {
	a, b := run(t, gentest.LoadChecked(t)), run(t, gentest.LoadChecked(t))
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs between two runs", a[i].Path)
		}
	}
}

// TestEscapingAndSecrets: a literal '$' survives Compose's interpolation as written, declared secrets are
// read from the environment at `docker compose up` (never written), and the local URL forms are plain TCP.
func TestEscapingAndSecrets(t *testing.T) {
	fsys := map[string]string{
		"platform.yaml": "apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: shop}\n",
		"api.yaml": `apiVersion: gantry.dev/v1
kind: Service
metadata: {name: api, team: shop}
spec:
  runtime: go
  type: web
  port: 8080
  secrets: [STRIPE_API_KEY]
  dependencies:
    - {name: db, type: postgres}
    - {name: cache, type: redis}
  env:
    PRICE: "$5 and ${HOME}"
    DATABASE_URL: "@{dependency.db.url}"
    REDIS_URL: "@{dependency.cache.url}"
    STRIPE: "@{secret.STRIPE_API_KEY}"
`,
	}
	dir := t.TempDir()
	for name, data := range fsys {
		writeFile(t, dir+"/"+name, data)
	}
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{dir}})
	if diags.HasErrors(false) {
		t.Fatal(diags)
	}
	f := run(t, res)[0]
	proj, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: f.Path, Content: f.Data}},
		Environment: types.Mapping{"STRIPE_API_KEY": "sk-from-the-shell", "HOME": "/home/someone"},
	}, func(o *loader.Options) { o.SkipResolveEnvironment = true })
	if err != nil {
		t.Fatalf("%v\n%s", err, f.Data)
	}
	env := proj.Services["api"].Environment
	want := map[string]string{
		"PRICE":        "$5 and ${HOME}",
		"DATABASE_URL": "postgresql://app:" + compose.LocalPassword + "@api-db:5432/db?sslmode=disable",
		"REDIS_URL":    "redis://:" + compose.LocalPassword + "@api-cache:6379",
		"STRIPE":       "sk-from-the-shell",
		"DB_HOST":      "api-db",
		"ENVIRONMENT":  compose.Environment,
	}
	for k, v := range want {
		if env[k] == nil || *env[k] != v {
			got := "<unset>"
			if env[k] != nil {
				got = *env[k]
			}
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if bytes.Contains(f.Data, []byte("sk-from-the-shell")) {
		t.Error("a secret value reached the file")
	}
	if proj.Configs["api-stripe-api-key"].Content != "sk-from-the-shell" {
		t.Errorf("the STRIPE_API_KEY file holds %q", proj.Configs["api-stripe-api-key"].Content)
	}
}

// TestOptIn: a run without --only renders the default targets, not compose; --only compose does, and
// the writer honours its file at the repository root.
func TestOptIn(t *testing.T) {
	names := func(gs []generators.Generator) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.Name())
		}
		return out
	}
	if slices.Contains(names(targets.Select(nil)), "compose") {
		t.Error("a plain run renders the compose target")
	}
	if !slices.Equal(names(targets.Select([]string{"compose"})), []string{"compose"}) {
		t.Error("--only compose does not render the compose target")
	}
	if !slices.Contains(targets.Names(), "compose") {
		t.Error("--only does not accept compose")
	}
	if slices.Contains(targets.InScope(nil), "compose") {
		t.Error("a plain run's scope covers the compose file: it would remove it")
	}
	for p, want := range map[string]bool{"compose.acme.yaml": true, "compose.yaml": false, "x/compose.acme.yaml": false, "compose.../x.yaml": false} {
		if got := targets.Layout("compose", p); got != want {
			t.Errorf("Layout(compose, %q) = %v, want %v", p, got, want)
		}
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDockerComposeConfig runs `docker compose config` on the examples' files where the Compose plugin
// is installed; elsewhere it says why it checks nothing.
func TestDockerComposeConfig(t *testing.T) {
	if exec.Command("docker", "compose", "version").Run() != nil {
		t.Skip("no `docker compose` here (the docker client has no Compose plugin): compose-go's loader is the check")
	}
	for _, f := range run(t, gentest.LoadExamples(t)) {
		name := filepath.Join(t.TempDir(), f.Path)
		writeFile(t, name, string(f.Data))
		cmd := exec.Command("docker", "compose", "-f", name, "config", "--quiet", "--no-interpolate")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("docker compose config %s: %v\n%s", f.Path, err, out)
		}
	}
}
