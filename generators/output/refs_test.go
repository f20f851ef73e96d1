package output_test

// Every reference a generated pod makes names an object the output creates, so the pod can start: a
// ConfigMap or Secret a container reads (env valueFrom, envFrom) or mounts (configMap, secret and
// projected volumes) must be made in the pod's namespace, with the key it reads where the keys are known.
//
// For each platform of gentest.LoadChecked (and a fresh `gantry new` service with a dependency), every
// target is rendered in memory and each service's overlay is built per environment with kustomize's Go
// API over an in-memory file system. What is provided, per environment and namespace:
//
//	ConfigMaps and Secrets of every built overlay and of the namespace folders (<root>/namespaces/<ns>/);
//	the Secret of each ExternalSecret (spec.target.name, else its own name): the keys of spec.data, of
//	    a Password generator's dataFrom (password, or its spec.secretKeys), of its target template;
//	    any other dataFrom (extract, find, rewrite) or a templateFrom makes every key acceptable;
//	the kubernetes_config_map_v1 resources of each service's Terraform module, in the environments it
//	    serves (terraform/envs/<env>.tfvars).
//
// References marked optional: true are skipped: a pod starts without them.

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/gentest"
	"github.com/gantry-dev/gantry/generators/targets"
)

func TestPodReferences(t *testing.T) {
	t.Run("broken", testBrokenReferences)
	t.Run("checked", func(t *testing.T) {
		for _, p := range gentest.LoadChecked(t).Platforms {
			t.Run(p.Name, func(t *testing.T) { checkPlatformRefs(t, p) })
		}
	})
	// The "done when": `gantry new api --runtime go` plus a postgres dependency whose URL the
	// service reads, on the built-in platform (no cloud). It fails until in-cluster dependencies land:
	// nothing makes the api-dependencies ConfigMap or the dependency's credentials.
	t.Run("new-service-with-dependency", func(t *testing.T) { checkPlatformRefs(t, gentest.NewServicePlatform(t)) })
}

// object is one Kubernetes object: its head, and its YAML to decode the rest from.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	raw []byte
}

// ns is the object's namespace; an object without one is in "default", as kubectl applies it.
func (o object) ns() string { return orElse(o.Metadata.Namespace, "default") }

func (o object) String() string { return o.Kind + " " + o.ns() + "/" + o.Metadata.Name }

func orElse(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// docSeparator is a line that starts a YAML document.
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// decodeObjects reads a stream of YAML documents.
func decodeObjects(data []byte) ([]object, error) {
	var out []object
	for _, doc := range docSeparator.Split(string(data), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			return nil, err
		}
		if o.Kind == "" {
			continue // a document of comments
		}
		o.raw = []byte(doc)
		out = append(out, o)
	}
	return out, nil
}

// store is one ConfigMap or Secret that something creates: its keys (any: every key is acceptable)
// and what creates it.
type store struct {
	any  bool
	keys map[string]bool
	from []string
}

// provided are the ConfigMaps and Secrets created, by "<Kind> <namespace>/<name>".
type provided map[string]*store

func (p provided) add(kind, ns, name, from string, anyKey bool, keys ...string) {
	id := kind + " " + ns + "/" + name
	s := p[id]
	if s == nil {
		s = &store{keys: map[string]bool{}}
		p[id] = s
	}
	s.any = s.any || anyKey
	s.from = append(s.from, from)
	for _, k := range keys {
		s.keys[k] = true
	}
}

// names lists the names of kind created in ns, for a message.
func (p provided) names(kind, ns string) string {
	var out []string
	for id := range p {
		if rest, ok := strings.CutPrefix(id, kind+" "+ns+"/"); ok {
			out = append(out, rest)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// externalSecret is the part of external-secrets.io's ExternalSecret that says which Secret it makes
// and with which keys.
type externalSecret struct {
	Spec struct {
		Target struct {
			Name     string `json:"name"`
			Template *struct {
				MergePolicy  string            `json:"mergePolicy"`
				Data         map[string]string `json:"data"`
				TemplateFrom []any             `json:"templateFrom"`
			} `json:"template"`
		} `json:"target"`
		Data []struct {
			SecretKey string `json:"secretKey"`
		} `json:"data"`
		DataFrom []struct {
			Extract   any   `json:"extract"`
			Find      any   `json:"find"`
			Rewrite   []any `json:"rewrite"`
			SourceRef *struct {
				GeneratorRef *generatorRef `json:"generatorRef"`
			} `json:"sourceRef"`
		} `json:"dataFrom"`
	} `json:"spec"`
}

type generatorRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

// passwordKeys are the keys each Password generator (generators.external-secrets.io) of objs fills, by
// "<namespace>/<name>".
func passwordKeys(objs []object) (map[string][]string, error) {
	out := map[string][]string{}
	for _, o := range objs {
		if o.Kind != "Password" || !strings.HasPrefix(o.APIVersion, "generators.external-secrets.io/") {
			continue
		}
		var pw struct {
			Spec struct {
				SecretKeys []string `json:"secretKeys"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(o.raw, &pw); err != nil {
			return nil, fmt.Errorf("%s: %w", o, err)
		}
		out[o.ns()+"/"+o.Metadata.Name] = orKeys(pw.Spec.SecretKeys, []string{"password"})
	}
	return out, nil
}

func orKeys(s, fallback []string) []string {
	if len(s) == 0 {
		return fallback
	}
	return s
}

// addObjects records the ConfigMaps and Secrets objs create, directly or through ExternalSecrets.
func (p provided) addObjects(objs []object) error {
	passwords, err := passwordKeys(objs)
	if err != nil {
		return err
	}
	for _, o := range objs {
		var err error
		switch {
		case o.Kind == "ConfigMap" && o.APIVersion == "v1":
			var cm corev1.ConfigMap
			if err = yaml.Unmarshal(o.raw, &cm); err == nil {
				keys := append(slices.Collect(maps.Keys(cm.Data)), slices.Collect(maps.Keys(cm.BinaryData))...)
				p.add("ConfigMap", o.ns(), o.Metadata.Name, o.String(), false, keys...)
			}
		case o.Kind == "Secret" && o.APIVersion == "v1":
			var s corev1.Secret
			if err = yaml.Unmarshal(o.raw, &s); err == nil {
				keys := append(slices.Collect(maps.Keys(s.Data)), slices.Collect(maps.Keys(s.StringData))...)
				p.add("Secret", o.ns(), o.Metadata.Name, o.String(), false, keys...)
			}
		case o.Kind == "ExternalSecret" && strings.HasPrefix(o.APIVersion, "external-secrets.io/"):
			err = p.addExternalSecret(o, passwords)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", o, err)
		}
	}
	return nil
}

// addExternalSecret records the Secret an ExternalSecret makes and the keys it fills.
func (p provided) addExternalSecret(o object, passwords map[string][]string) error {
	var es externalSecret
	if err := yaml.Unmarshal(o.raw, &es); err != nil {
		return err
	}
	var keys []string
	anyKey := false
	for _, d := range es.Spec.Data {
		keys = append(keys, d.SecretKey)
	}
	for _, d := range es.Spec.DataFrom {
		var g *generatorRef
		if d.SourceRef != nil {
			g = d.SourceRef.GeneratorRef
		}
		pw, ok := []string(nil), false
		if g != nil && g.Kind == "Password" && len(d.Rewrite) == 0 {
			pw, ok = passwords[o.ns()+"/"+g.Name]
		}
		if !ok {
			anyKey = true // extract, find, a rewrite, another generator or a missing one: keys unknown here
		}
		keys = append(keys, pw...)
	}
	if t := es.Spec.Target.Template; t != nil {
		if len(t.TemplateFrom) > 0 {
			anyKey = true
		}
		if t.MergePolicy != "Merge" && (len(t.Data) > 0 || len(t.TemplateFrom) > 0) {
			keys = nil // Replace (the default): the Secret holds the template's keys only
		}
		keys = append(keys, slices.Collect(maps.Keys(t.Data))...)
	}
	p.add("Secret", o.ns(), orElse(es.Spec.Target.Name, o.Metadata.Name), o.String(), anyKey, keys...)
	return nil
}

// addTerraform records the kubernetes_config_map_v1 resources of the Terraform module in dir (the
// service's terraform folder) when the module serves env.
func (p provided) addTerraform(files map[string][]byte, dir, env string) error {
	if _, ok := files[path.Join(dir, "envs", env+".tfvars")]; !ok {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if path.Dir(name) != dir || path.Ext(name) != ".tf" {
			continue
		}
		file, diags := hclsyntax.ParseConfig(files[name], name, hcl.InitialPos)
		if diags.HasErrors() {
			return diags
		}
		for _, b := range file.Body.(*hclsyntax.Body).Blocks {
			if b.Type != "resource" || len(b.Labels) != 2 || b.Labels[0] != "kubernetes_config_map_v1" {
				continue
			}
			if err := p.addTerraformConfigMap(b, name+": "+b.Labels[0]+"."+b.Labels[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p provided) addTerraformConfigMap(b *hclsyntax.Block, from string) error {
	str := func(body *hclsyntax.Body, attr string) (string, error) {
		a, ok := body.Attributes[attr]
		if !ok {
			return "", nil
		}
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() || v.Type() != cty.String || !v.IsKnown() || v.IsNull() {
			return "", fmt.Errorf("%s: metadata.%s is not a literal string", from, attr)
		}
		return v.AsString(), nil
	}
	var name, ns string
	for _, mb := range b.Body.Blocks {
		if mb.Type != "metadata" {
			continue
		}
		var err error
		if name, err = str(mb.Body, "name"); err != nil {
			return err
		}
		if ns, err = str(mb.Body, "namespace"); err != nil {
			return err
		}
	}
	var keys []string
	anyKey := false
	for _, attr := range []string{"data", "binary_data"} {
		a, ok := b.Body.Attributes[attr]
		if !ok {
			continue
		}
		obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr)
		if !ok {
			anyKey = true // computed: keys unknown here
			continue
		}
		for _, item := range obj.Items {
			k, diags := item.KeyExpr.Value(nil)
			if diags.HasErrors() || k.Type() != cty.String || !k.IsKnown() {
				anyKey = true
				continue
			}
			keys = append(keys, k.AsString())
		}
	}
	p.add("ConfigMap", orElse(ns, "default"), name, from, anyKey, keys...)
	return nil
}

// ref is one ConfigMap or Secret a pod reads: key "" for the whole object.
type ref struct {
	kind, name, key string
	via             string // where in the pod: "container app env DATABASE_URL"
}

// podRefs lists what a pod reads, leaving out what is optional.
func podRefs(spec corev1.PodSpec) []ref {
	var out []ref
	optional := func(b *bool) bool { return b != nil && *b }
	containers := append(slices.Clone(spec.InitContainers), spec.Containers...)
	for _, c := range containers {
		where := "container " + c.Name
		for _, e := range c.Env {
			switch v := e.ValueFrom; {
			case v == nil:
			case v.ConfigMapKeyRef != nil && !optional(v.ConfigMapKeyRef.Optional):
				out = append(out, ref{"ConfigMap", v.ConfigMapKeyRef.Name, v.ConfigMapKeyRef.Key, where + " env " + e.Name})
			case v.SecretKeyRef != nil && !optional(v.SecretKeyRef.Optional):
				out = append(out, ref{"Secret", v.SecretKeyRef.Name, v.SecretKeyRef.Key, where + " env " + e.Name})
			}
		}
		for _, e := range c.EnvFrom {
			if r := e.ConfigMapRef; r != nil && !optional(r.Optional) {
				out = append(out, ref{"ConfigMap", r.Name, "", where + " envFrom"})
			}
			if r := e.SecretRef; r != nil && !optional(r.Optional) {
				out = append(out, ref{"Secret", r.Name, "", where + " envFrom"})
			}
		}
	}
	withItems := func(kind, name string, items []corev1.KeyToPath, where string) {
		out = append(out, ref{kind, name, "", where})
		for _, it := range items {
			out = append(out, ref{kind, name, it.Key, where + " item " + it.Path})
		}
	}
	for _, v := range spec.Volumes {
		where := "volume " + v.Name
		if s := v.ConfigMap; s != nil && !optional(s.Optional) {
			withItems("ConfigMap", s.Name, s.Items, where)
		}
		if s := v.Secret; s != nil && !optional(s.Optional) {
			withItems("Secret", s.SecretName, s.Items, where)
		}
		if v.Projected == nil {
			continue
		}
		for i, src := range v.Projected.Sources {
			where := fmt.Sprintf("%s projected source %d", where, i)
			if s := src.ConfigMap; s != nil && !optional(s.Optional) {
				withItems("ConfigMap", s.Name, s.Items, where)
			}
			if s := src.Secret; s != nil && !optional(s.Optional) {
				withItems("Secret", s.Name, s.Items, where)
			}
		}
	}
	return out
}

// podSpec is the pod template of a workload.
func podSpec(o object) (*corev1.PodSpec, error) {
	switch o.Kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob":
	default:
		return nil, nil
	}
	var w struct {
		Spec struct {
			Template    corev1.PodTemplateSpec `json:"template"`
			JobTemplate struct {
				Spec struct {
					Template corev1.PodTemplateSpec `json:"template"`
				} `json:"spec"`
			} `json:"jobTemplate"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(o.raw, &w); err != nil {
		return nil, err
	}
	if o.Kind == "CronJob" {
		return &w.Spec.JobTemplate.Spec.Template.Spec, nil
	}
	return &w.Spec.Template.Spec, nil
}

// unresolved lists each reference of the workloads among objs that names nothing in have, in the
// workload's namespace.
func unresolved(objs []object, have provided) []string {
	var out []string
	for _, o := range objs {
		spec, err := podSpec(o)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", o, err))
		}
		if spec == nil {
			continue
		}
		for _, r := range podRefs(*spec) {
			if msg := have.resolve(o.ns(), r); msg != "" {
				out = append(out, fmt.Sprintf("%s %s: %s", o, r.via, msg))
			}
		}
	}
	return out
}

// resolve says what is missing for r in namespace ns, "" when nothing is.
func (p provided) resolve(ns string, r ref) string {
	what := r.kind + " " + r.name
	if r.key != "" {
		what += " key " + r.key
	}
	s, ok := p[r.kind+" "+ns+"/"+r.name]
	switch {
	case !ok:
		return fmt.Sprintf("reads %s: no %s %q is created in namespace %s (%ss there: %s)", what, r.kind, r.name, ns, r.kind, p.names(r.kind, ns))
	case r.key == "" || s.any || s.keys[r.key]:
		return ""
	}
	return fmt.Sprintf("reads %s: the %s has no key %q (keys %v, made by %s)", what, r.kind, r.key, slices.Sorted(maps.Keys(s.keys)), strings.Join(s.from, ", "))
}

// kustomizeBuild builds the kustomization in dir of fsys in-process.
func kustomizeBuild(fsys filesys.FileSystem, dir string) ([]object, error) {
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, dir)
	if err != nil {
		return nil, err
	}
	data, err := m.AsYaml()
	if err != nil {
		return nil, err
	}
	return decodeObjects(data)
}

// renderPlatform renders every target for p in memory: the files under the output folder in an
// in-memory file system for kustomize (rooted at /), and all of them by path.
func renderPlatform(t *testing.T, p *blueprints.ResolvedPlatform) (filesys.FileSystem, map[string][]byte) {
	t.Helper()
	files, err := generators.Run(&blueprints.Resolved{Platforms: []*blueprints.ResolvedPlatform{p}}, targets.Select(nil))
	if err != nil {
		t.Fatalf("generate %s: %v", p.Name, err)
	}
	fsys := filesys.MakeFsInMemory()
	byPath := map[string][]byte{}
	for _, f := range files {
		byPath[f.Path] = f.Data
		if f.Kind.InRepo() {
			continue
		}
		if err := fsys.WriteFile("/"+f.Path, f.Data); err != nil {
			t.Fatal(err)
		}
	}
	return fsys, byPath
}

// namespaceObjects builds every namespace folder of the platform.
func namespaceObjects(t *testing.T, fsys filesys.FileSystem, files map[string][]byte, root string) []object {
	t.Helper()
	var out []object
	for _, name := range slices.Sorted(maps.Keys(files)) {
		dir := path.Dir(name)
		if path.Base(name) != "kustomization.yaml" || path.Dir(dir) != path.Join(root, "namespaces") {
			continue
		}
		objs, err := kustomizeBuild(fsys, "/"+dir)
		if err != nil {
			t.Fatalf("kustomize build %s: %v", dir, err)
		}
		out = append(out, objs...)
	}
	return out
}

// checkPlatformRefs renders p, builds every service's overlay in every environment and reports each
// reference of a pod that names nothing the output creates.
func checkPlatformRefs(t *testing.T, p *blueprints.ResolvedPlatform) {
	fsys, files := renderPlatform(t, p)
	nsObjs := namespaceObjects(t, fsys, files, generators.Root(p))
	var problems []string
	overlays := 0
	for _, env := range p.Spec.Environments {
		have, built := provided{}, map[string][]object{}
		all := slices.Clone(nsObjs)
		for _, svc := range p.Services {
			dir := generators.ServiceDir(p, svc)
			overlay := path.Join(dir, "kubernetes", "overlays", env)
			if _, ok := files[path.Join(overlay, "kustomization.yaml")]; !ok {
				continue
			}
			objs, err := kustomizeBuild(fsys, "/"+overlay)
			if err != nil {
				t.Fatalf("kustomize build %s: %v", overlay, err)
			}
			overlays++
			built[svc.Name] = objs
			all = append(all, objs...)
			if err := have.addTerraform(files, path.Join(dir, "terraform"), env); err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
		}
		if err := have.addObjects(all); err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		for _, svc := range p.Services {
			for _, msg := range unresolved(built[svc.Name], have) {
				problems = append(problems, fmt.Sprintf("%s/%s/%s: %s", p.Name, svc.Name, env, msg))
			}
		}
	}
	if overlays == 0 {
		t.Fatalf("%s: no overlay was built", p.Name)
	}
	t.Logf("%s: %d overlays built and checked", p.Name, overlays)
	if len(problems) > 0 {
		t.Errorf("%d references of generated pods name nothing the output creates (platform/service/env: object where: what):\n  %s",
			len(problems), strings.Join(problems, "\n  "))
	}
}

// brokenPod is a Deployment in namespace shop whose pod reads what %s says (a fragment of its pod
// spec, indented for spec.template.spec).
const brokenPod = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
%s
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-settings, namespace: shop}
data: {LOG_LEVEL: info}
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata: {name: db-password, namespace: shop}
spec: {length: 32}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db, namespace: shop}
spec:
  target: {name: db-credentials}
  data: [{secretKey: DB_USER, remoteRef: {key: shop/db, property: user}}]
  dataFrom: [{sourceRef: {generatorRef: {apiVersion: generators.external-secrets.io/v1alpha1, kind: Password, name: db-password}}}]
`

// testBrokenReferences feeds hand-written objects through the same check: it must report what no
// object creates, and nothing when every reference resolves.
func testBrokenReferences(t *testing.T) {
	for _, tc := range []struct {
		name, pod string
		want      []string // substrings of the problems reported, one each; none: no problem
	}{
		{name: "resolved", pod: `
      containers:
      - name: app
        env:
        - {name: LOG_LEVEL, valueFrom: {configMapKeyRef: {name: api-settings, key: LOG_LEVEL}}}
        - {name: DB_USER, valueFrom: {secretKeyRef: {name: db-credentials, key: DB_USER}}}
        - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-credentials, key: password}}}
        - {name: OPTIONAL, valueFrom: {configMapKeyRef: {name: nothing, key: X, optional: true}}}
        envFrom: [{configMapRef: {name: api-settings}}]
      volumes:
      - {name: creds, secret: {secretName: db-credentials, items: [{key: password, path: pw}]}}`},
		{name: "configMapKeyRef to a missing ConfigMap", pod: `
      containers:
      - name: app
        env: [{name: DATABASE_URL, valueFrom: {configMapKeyRef: {name: api-dependencies, key: DB_URL}}}]`,
			want: []string{`container app env DATABASE_URL: reads ConfigMap api-dependencies key DB_URL: no ConfigMap "api-dependencies" is created in namespace shop`}},
		{name: "secretKeyRef to a key the ExternalSecret does not list", pod: `
      initContainers:
      - name: migrate
        env: [{name: DB_HOST, valueFrom: {secretKeyRef: {name: db-credentials, key: DB_HOST}}}]
      containers: [{name: app}]`,
			want: []string{`container migrate env DB_HOST: reads Secret db-credentials key DB_HOST: the Secret has no key "DB_HOST" (keys [DB_USER password], made by ExternalSecret shop/db)`}},
		{name: "projected source Secret nothing creates", pod: `
      containers: [{name: app}]
      volumes:
      - name: all
        projected:
          sources:
          - configMap: {name: api-settings}
          - secret: {name: tls, items: [{key: tls.crt, path: cert}]}`,
			want: []string{`volume all projected source 1: reads Secret tls: no Secret "tls"`,
				`volume all projected source 1 item cert: reads Secret tls key tls.crt: no Secret "tls"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := decodeObjects(fmt.Appendf(nil, brokenPod, strings.TrimPrefix(tc.pod, "\n")))
			if err != nil {
				t.Fatal(err)
			}
			have := provided{}
			if err := have.addObjects(objs); err != nil {
				t.Fatal(err)
			}
			got := unresolved(objs, have)
			if len(got) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n  %s", len(got), len(tc.want), strings.Join(got, "\n  "))
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
					t.Errorf("no problem reported with %q; got:\n  %s", w, strings.Join(got, "\n  "))
				}
			}
		})
	}
}
