package kubernetes_test

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
)

// envVar is a container env entry as a manifest has it.
type envVar struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	ValueFrom *struct {
		ConfigMapKeyRef *struct{ Name, Key string } `json:"configMapKeyRef"`
		SecretKeyRef    *struct{ Name, Key string } `json:"secretKeyRef"`
	} `json:"valueFrom"`
}

// workloadEnvs returns the env of every container of every workload in a multi-document manifest.
func workloadEnvs(t *testing.T, data []byte) map[string][]envVar {
	t.Helper()
	out := map[string][]envVar{}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var obj struct {
			Kind     string
			Metadata struct{ Name string }
			Spec     struct {
				Template    struct{ Spec podSpec }
				JobTemplate struct {
					Spec struct{ Template struct{ Spec podSpec } }
				} `json:"jobTemplate"`
			}
		}
		if err := sigsyaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatal(err)
		}
		pod := obj.Spec.Template.Spec
		switch obj.Kind {
		case "CronJob":
			pod = obj.Spec.JobTemplate.Spec.Template.Spec
		case "Deployment", "Job":
		default:
			continue
		}
		for _, c := range pod.Containers {
			out[obj.Kind+"/"+obj.Metadata.Name+"/"+c.Name] = c.Env
		}
	}
	return out
}

type podSpec struct {
	Containers []struct {
		Name string
		Env  []envVar
	}
}

// kubeletExpand expands env values as the kubelet does: $(NAME) becomes the value of NAME when NAME is
// defined earlier in the list (a reference to a later or unknown one stays as written), $$ becomes $.
// A variable from a ConfigMap or Secret expands to <configmap:NAME/KEY> or <secret:NAME/KEY>. It
// returns the values and the references that did not expand.
func kubeletExpand(env []envVar) (map[string]string, []string) {
	vals := map[string]string{}
	var dangling []string
	for _, e := range env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil:
			vals[e.Name] = "<configmap:" + e.ValueFrom.ConfigMapKeyRef.Name + "/" + e.ValueFrom.ConfigMapKeyRef.Key + ">"
			continue
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			vals[e.Name] = "<secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key + ">"
			continue
		}
		var b strings.Builder
		v := e.Value
		for i := 0; i < len(v); i++ {
			if v[i] == '$' && i+1 < len(v) {
				switch v[i+1] {
				case '$':
					b.WriteByte('$')
					i++
					continue
				case '(':
					if end := strings.IndexByte(v[i:], ')'); end > 0 {
						name := v[i+2 : i+end]
						if x, ok := vals[name]; ok {
							b.WriteString(x)
						} else {
							b.WriteString(v[i : i+end+1])
							dangling = append(dangling, e.Name+" -> "+name)
						}
						i += end
						continue
					}
				}
			}
			b.WriteByte(v[i])
		}
		vals[e.Name] = b.String()
	}
	return vals, dangling
}

// TestConnectionsExpand: in every base and every kustomize-built overlay of the examples, each $(VAR)
// a composed connection uses is defined before it (the kubelet expands only those: a strategic-merge
// patch that moved it after would leave the app a literal "$(DB_HOST)"), and payments' connections
// expand to its dependencies' ConfigMap, its Secret and the ledger's Service.
func TestConnectionsExpand(t *testing.T) {
	r := render(t)
	entries, err := os.ReadDir(r.built)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(r.built, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for w, env := range workloadEnvs(t, data) {
			vals, dangling := kubeletExpand(env)
			for _, d := range dangling {
				t.Errorf("%s %s: $(%s) is not defined before it", e.Name(), w, d)
			}
			if w != "Deployment/payments/payments" || !strings.Contains(e.Name(), "overlays__prod") {
				continue
			}
			checked++
			for k, want := range map[string]string{
				"DATABASE_URL": "postgresql://<configmap:payments-dependencies/DB_USER>:<secret:payments-db-credentials/password>@<configmap:payments-dependencies/DB_HOST>:5432/<configmap:payments-dependencies/DB_NAME>?sslmode=require",
				"REDIS_ADDR":   "<configmap:payments-dependencies/CACHE_HOST>:6379",
				"LEDGER_ADDR":  "ledger.billing.svc:9000",
				"ENVIRONMENT":  "prod",
			} {
				if vals[k] != want {
					t.Errorf("%s %s: %s = %q, want %q", e.Name(), w, k, vals[k], want)
				}
			}
		}
	}
	if checked != 1 {
		t.Errorf("checked payments' prod overlay %d times, want 1 (has the layout changed?)", checked)
	}
}

// TestConnectionsNoSecretValue: a connection that needs a password reads it from the Secret in the
// pod; no manifest holds a composed value with a password in it, and every Secret key read is one the
// service's ExternalSecret fills.
func TestConnectionsNoSecretValue(t *testing.T) {
	keyRE := regexp.MustCompile(`secretKey: (\S+)`)
	files := generate(t)
	byPath := map[string][]byte{}
	for _, f := range files {
		byPath[f.Path] = f.Data
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Path, "/base/deployment.yaml") {
			continue
		}
		es := byPath[path.Join(path.Dir(f.Path), "externalsecret.yaml")]
		filled := map[string]bool{}
		for _, m := range keyRE.FindAllStringSubmatch(string(es), -1) {
			filled[m[1]] = true
		}
		for w, env := range workloadEnvs(t, f.Data) {
			for _, e := range env {
				// A dependency's password is its credentials Secret's "password" (generators/output's
				// TestPodReferences follows every reference to what creates it).
				if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil && !filled[ref.SecretKeyRef.Key] &&
					!(strings.HasSuffix(ref.SecretKeyRef.Name, "-credentials") && ref.SecretKeyRef.Key == "password") {
					t.Errorf("%s %s: %s reads key %s of %s, which the ExternalSecret does not fill", f.Path, w, e.Name, ref.SecretKeyRef.Key, ref.SecretKeyRef.Name)
				}
				if strings.Contains(strings.ToLower(e.Value), "password=") || regexp.MustCompile(`://[^/:]+:[^$/@][^/@]*@`).MatchString(e.Value) {
					t.Errorf("%s %s: %s holds a credential: %q", f.Path, w, e.Name, e.Value)
				}
			}
		}
	}
}

// TestPrintIsTheOutput: every env value `gantry validate --print` shows (EnvValue.String) is the value
// the environment's workload patch holds, or, for a value that is one secret, a secretKeyRef to it.
func TestPrintIsTheOutput(t *testing.T) {
	files := map[string][]byte{}
	for _, f := range generate(t) {
		files[f.Path] = f.Data
	}
	checked := 0
	for _, p := range gentest.LoadExamples(t).Platforms {
		for _, s := range p.Services {
			for _, e := range s.Environments {
				patch := files[path.Join(generators.ServiceDir(p, s), "kubernetes", "overlays", e.Name, "patch-workload.yaml")]
				envs := workloadEnvs(t, patch)
				var env []envVar
				for _, v := range envs {
					env = v
				}
				got := map[string]envVar{}
				for _, v := range env {
					got[v.Name] = v
				}
				for k, v := range e.Spec.Values {
					g, ok := got[k]
					switch {
					case !ok:
						t.Errorf("%s %s: %s is not in the patch", s.Name, e.Name, k)
					case g.ValueFrom != nil && g.ValueFrom.SecretKeyRef != nil:
						if want := "$(secret:" + g.ValueFrom.SecretKeyRef.Key + ")"; v.String() != want {
							t.Errorf("%s %s: %s prints %q, the output reads %s", s.Name, e.Name, k, v.String(), want)
						}
					case v.String() != g.Value:
						t.Errorf("%s %s: %s prints %q, the output holds %q", s.Name, e.Name, k, v.String(), g.Value)
					}
					checked++
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no env value checked")
	}
}
