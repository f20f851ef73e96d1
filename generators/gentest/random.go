package gentest

import (
	"fmt"
	"github.com/gantry-dev/gantry/blueprints/catalog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
)

// HostileValues are env values that have broken YAML, shells and template engines before.
var HostileValues = []string{
	`it's "quoted"`, "#not a comment", "a #b", "${HOME}", "${{ secrets.TOKEN }}", "$(HOSTNAME)", "$$(x)", "a$b",
	"line1\nline2", "tab\there", "ünïcödé ☃", "yes", "no", "on", "off", "null", "~", "0x10", "1e3", "010", "1_000",
	"12:30", "2026-01-02", "true", "", " leading", "trailing ", "- dash", "? q", ": colon", "key: value", "[a]",
	"{a: 1}", "|", ">", "*alias", "&anchor", "!tag", "%percent", "@at", "`tick`", "'", `"`, `\`, "=", "<<",
}

// RandomOptions choose the platform RandomBlueprints writes.
type RandomOptions struct {
	Name  string // platform name
	Cloud string // aws | gcp | azure | none
	CI    string // github | gitlab | none
	Mesh  string // istio | linkerd | none
}

// Random is what RandomBlueprints wrote, for the tests to compare the output with.
type Random struct {
	Env          map[string]map[string]string // service -> env key -> value
	Dependencies map[string][]string          // service -> "name/type/size"
	Runtime      map[string]string            // service -> runtime
}

var regions = map[string]string{
	"aws":   "{provider: aws, region: eu-west-1}",
	"gcp":   "{provider: gcp, region: europe-west1, project: prop-project}",
	"azure": "{provider: azure, region: westeurope}",
	"none":  "{provider: none}",
}

// RandomBlueprints writes a platform and n services into dir with random runtimes, types, ports,
// dependencies (0 to 3, of random types and sizes), secrets and env values drawn from HostileValues.
// The same seed gives the same blueprints.
func RandomBlueprints(t testing.TB, dir string, n int, r *rand.Rand, o RandomOptions) Random {
	t.Helper()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("platform.yaml", fmt.Sprintf("apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: %s}\nspec:\n"+
		"  registry: ghcr.io/prop\n  cloud: %s\n  ci: %s\n  mesh: %s\n  kubernetesVersion: \"1.35\"\n  environments: [dev, prod]\n",
		o.Name, regions[o.Cloud], o.CI, o.Mesh))
	types := []string{"web", "worker", "cron", "job"}
	sizes := []string{"small", "medium", "large"}
	out := Random{Env: map[string]map[string]string{}, Dependencies: map[string][]string{}, Runtime: map[string]string{}}
	for i := range n {
		name := fmt.Sprintf("svc-%03d", i)
		rt := runtimes[r.IntN(len(runtimes))]
		typ := types[r.IntN(len(types))]
		if rt == "static" {
			typ = "web"
		}
		out.Runtime[name] = rt
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: %s, team: team-%d}\nspec:\n  runtime: %s\n  type: %s\n", name, r.IntN(5), rt, typ)
		switch typ {
		case "web":
			fmt.Fprintf(&b, "  port: %d\n", 1024+r.IntN(60000))
		case "cron":
			b.WriteString("  schedule: \"@hourly\"\n")
		}
		if k := r.IntN(4); k > 0 {
			b.WriteString("  dependencies:\n")
			for j := range k {
				d := fmt.Sprintf("d%d-%d", i, j)
				typ, size := depTypes[r.IntN(len(depTypes))], sizes[r.IntN(len(sizes))]
				if _, local := catalog.LocalImage(typ); !local && o.Cloud == "none" {
					typ = "postgres" // a cloud API has no in-cluster form, and there is no cloud
				}
				fmt.Fprintf(&b, "    - {name: %s, type: %s, size: %s}\n", d, typ, size)
				out.Dependencies[name] = append(out.Dependencies[name], d+"/"+typ+"/"+size)
			}
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "  secrets: [API_KEY_%d]\n", i)
		}
		env := map[string]string{}
		b.WriteString("  env:\n")
		for k := range 1 + r.IntN(4) {
			key := fmt.Sprintf("V%d_%d", i, k)
			val := HostileValues[r.IntN(len(HostileValues))]
			env[key] = val
			fmt.Fprintf(&b, "    %s: %s\n", key, strconv.Quote(val))
		}
		out.Env[name] = env
		write(name+".yaml", b.String())
	}
	return out
}

// GenerateRandom writes n random blueprints (RandomBlueprints) into a temporary folder, loads them and
// runs the targets: what the property tests check.
func GenerateRandom(t testing.TB, n int, r *rand.Rand, o RandomOptions, targets ...generators.Generator) (*blueprints.Resolved, Random, []generators.File) {
	t.Helper()
	in := t.TempDir()
	rnd := RandomBlueprints(t, in, n, r, o)
	res, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{in}})
	if diags.HasErrors(false) {
		t.Fatalf("random blueprints do not validate:\n%v", diags)
	}
	files, err := generators.Run(res, targets)
	if err != nil {
		t.Fatal(err)
	}
	return res, rnd, files
}
