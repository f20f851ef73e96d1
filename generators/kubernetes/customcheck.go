package kubernetes

import (
	"bytes"
	"cmp"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/gantry-dev/gantry/generators"
)

// Finding is a customization that no longer applies, or that removes or weakens a setting Gantry
// guarantees, with the user's file that does it.
type Finding struct {
	File    string   // the user's file, relative to the output root
	Setting string   // what it weakens (runAsNonRoot, livenessProbe, networkPolicy, image, ...); "build" when it does not apply
	Message string   // what it does to which object
	Envs    []string // the environments whose overlay shows it
	Allowed string   // the reason of a `# gantry:allow <setting> <reason>` line in File: a warning, not an error
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s: %s (%s)", f.File, f.Message, strings.Join(f.Envs, ", "))
	if f.Allowed != "" {
		return s + ": allowed: " + f.Allowed
	}
	if f.Setting == "build" {
		return s + ": fix the patch, or remove it"
	}
	return s + ": gantry guarantees " + f.Setting + "; remove the change, or mark it deliberate in " + path.Base(f.File) +
		" with `# gantry:allow " + f.Setting + " <reason>`"
}

// allowLine is the marker that makes a deliberate weakening a warning: `# gantry:allow <setting> <reason>`
// (compiled on first use, not at start-up).
var allowLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\s*#\s*gantry:allow\s+([A-Za-z]+)\s+(\S.*?)\s*$`)
})

// overlayBuild is one service's overlay to build with the user's components.
type overlayBuild struct {
	dir        string   // the service's kubernetes folder, relative to the output root
	env        string   // the overlay
	components []string // its non-empty custom components' folders
}

// CheckCustom builds, in memory with kustomize's own Go API, every overlay whose custom components
// (read from disk) have content, once with them and once without, and reports what the components
// break or weaken. An overlay whose components are still as seeded is not built: a run without
// customizations costs one read per component.
func CheckCustom(files []generators.File, disk fs.FS) []Finding {
	generated := map[string]*generators.File{}
	var builds []overlayBuild
	custom := map[string]bool{} // component folders with content
	for i := range files {
		f := &files[i]
		if f.Target != "kubernetes" && f.Target != "" {
			continue
		}
		generated[f.Path] = f
		// A file the cache vouched for (no data) is as seeded: the cache renders a customized service.
		if f.Kind == generators.Custom && !f.Known() && path.Base(path.Dir(f.Path)) == CustomComponent {
			// A seed that cannot be read back counts as customized: the build then says why.
			seed, err := f.Content()
			if data, rerr := fs.ReadFile(disk, f.Path); rerr == nil && (err != nil || !bytes.Equal(data, seed)) {
				custom[path.Dir(f.Path)] = true
			}
		}
	}
	for _, f := range files {
		dir, env, ok := overlayOf(f.Path)
		if !ok || path.Base(f.Path) != "kustomization.yaml" || path.Base(path.Dir(f.Path)) != env {
			continue
		}
		var comps []string
		for _, c := range []string{path.Join(dir, CustomComponent), path.Join(dir, "overlays", env, CustomComponent)} {
			if custom[c] {
				comps = append(comps, c)
			}
		}
		if len(comps) > 0 {
			builds = append(builds, overlayBuild{dir: dir, env: env, components: comps})
		}
	}
	var out []Finding
	for _, b := range builds {
		files, err := b.generated(generated)
		if err != nil {
			// Never a pass by default: the overlay is not checked, and the run says so.
			out = append(out, Finding{File: path.Join(b.components[len(b.components)-1], "kustomization.yaml"), Setting: "build",
				Message: "could not be checked: " + err.Error(), Envs: []string{b.env}})
			continue
		}
		out = append(out, b.check(files, disk)...)
	}
	return mergeFindings(out)
}

// generated is the content of the generated files under the overlay's kubernetes folder (a spilled
// file's read back).
func (b overlayBuild) generated(all map[string]*generators.File) (map[string][]byte, error) {
	out := map[string][]byte{}
	for p, f := range all {
		if strings.HasPrefix(p, b.dir+"/") {
			data, err := f.Content()
			if err != nil {
				return nil, fmt.Errorf("reading the generated %s back: %w", p, err)
			}
			out[p] = data
		}
	}
	return out, nil
}

// overlayOf splits <service>/kubernetes/overlays/<env>/... into the service's kubernetes folder and env.
func overlayOf(p string) (dir, env string, ok bool) {
	before, after, ok := strings.Cut(p, "/kubernetes/overlays/")
	if !ok {
		return "", "", false
	}
	env, _, _ = strings.Cut(after, "/")
	return before + "/kubernetes", env, true
}

// check builds the overlay without and with the user's components and compares the two.
func (b overlayBuild) check(generated map[string][]byte, disk fs.FS) []Finding {
	mem := filesys.MakeFsInMemory()
	for p, data := range generated {
		if strings.HasPrefix(p, b.dir+"/") {
			_ = mem.WriteFile("/"+p, data) // in memory: it cannot fail
		}
	}
	overlay := "/" + path.Join(b.dir, "overlays", b.env)
	baseline, err := build(mem, overlay)
	if err != nil {
		return nil // Gantry's own output always builds (TestKustomizeBuild); nothing of the user's to blame
	}
	user := map[string][]byte{} // the components' files as on disk
	for _, c := range b.components {
		_ = fs.WalkDir(disk, c, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if data, err := fs.ReadFile(disk, p); err == nil {
					user[p] = data
				}
			}
			return nil
		})
	}
	for p, data := range user {
		_ = mem.WriteFile("/"+p, data)
	}
	got, err := build(mem, overlay)
	if err != nil {
		f := Finding{Setting: "build", Message: "does not apply: " + err.Error(), Envs: []string{b.env}}
		return b.blame([]Finding{f}, generated, user, nil)
	}
	if found := weakened(baseline, got, b.env); len(found) > 0 {
		return b.blame(found, generated, user, baseline)
	}
	return nil
}

func build(mem filesys.FileSystem, dir string) (resmap.ResMap, error) {
	return krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, dir)
}

// blame names the user's file behind each finding: the one patch, or the one resource, of a component
// that reproduces it alone (each is built once more, only when there is a finding); else the
// component's kustomization.yaml. It then reads that file's gantry:allow lines. baseline is nil for a
// build that failed.
func (b overlayBuild) blame(found []Finding, generated, user map[string][]byte, baseline resmap.ResMap) []Finding {
	overlay := "/" + path.Join(b.dir, "overlays", b.env)
	blamed := make([]bool, len(found))
	for _, c := range b.components {
		for _, e := range singles(user[path.Join(c, "kustomization.yaml")]) {
			mem := filesys.MakeFsInMemory()
			for p, d := range generated {
				if strings.HasPrefix(p, b.dir+"/") {
					_ = mem.WriteFile("/"+p, d)
				}
			}
			for p, d := range user {
				if strings.HasPrefix(p, c+"/") {
					_ = mem.WriteFile("/"+p, d)
				}
			}
			_ = mem.WriteFile("/"+path.Join(c, "kustomization.yaml"), e.data)
			got, err := build(mem, overlay)
			for i, f := range found {
				if blamed[i] {
					continue
				}
				if baseline == nil && err != nil || baseline != nil && err == nil && slices.ContainsFunc(weakened(baseline, got, b.env),
					func(w Finding) bool { return w.Setting == f.Setting && w.Message == f.Message }) {
					found[i].File, blamed[i] = path.Join(c, e.file), true
				}
			}
		}
	}
	for i := range found {
		if !blamed[i] {
			found[i].File = path.Join(b.components[len(b.components)-1], "kustomization.yaml")
		}
		found[i].Allowed = allowed(user[found[i].File], found[i].Setting)
	}
	return found
}

// single is a component's kustomization reduced to one of its patches or resources, and the file that
// entry names (the kustomization itself for an inline patch).
type single struct {
	file string
	data []byte
}

func singles(kustomization []byte) []single {
	var k types.Kustomization
	if yaml.Unmarshal(kustomization, &k) != nil {
		return nil
	}
	var out []single
	add := func(file string, one types.Kustomization) {
		if data, err := yaml.Marshal(one); err == nil {
			out = append(out, single{file, data})
		}
	}
	for _, p := range k.Patches {
		one := k
		one.Patches = []types.Patch{p}
		add(cmp.Or(p.Path, "kustomization.yaml"), one)
	}
	for _, r := range k.Resources {
		one := k
		one.Patches, one.Resources = nil, []string{r}
		add(r, one)
	}
	return out
}

// allowed is the reason of the first `# gantry:allow` line in data naming setting or its group.
func allowed(data []byte, setting string) string {
	for _, m := range allowLine().FindAllSubmatch(data, -1) {
		if s := string(m[1]); strings.EqualFold(s, setting) || strings.EqualFold(s, groupOf(setting)) {
			return string(m[2])
		}
	}
	return ""
}

// Settings Gantry guarantees, by where they are. Each is a marker's <setting>; so is its group.
var (
	podSecurity       = []string{"runAsNonRoot", "runAsUser", "runAsGroup", "fsGroup", "seccompProfile"}
	containerSecurity = []string{"runAsNonRoot", "runAsUser", "runAsGroup", "readOnlyRootFilesystem", "allowPrivilegeEscalation",
		"privileged", "capabilities", "seccompProfile"}
	hostNamespaces = []string{"hostNetwork", "hostPID", "hostIPC"}
	probeFields    = []string{"livenessProbe", "readinessProbe", "startupProbe"}
)

func groupOf(setting string) string {
	switch {
	case slices.Contains(containerSecurity, setting), slices.Contains(podSecurity, setting):
		return "securityContext"
	case slices.Contains(probeFields, setting):
		return "probes"
	case slices.Contains(hostNamespaces, setting), setting == "hostPath":
		return "host"
	}
	return setting
}

// weakened compares an overlay built with the user's components (got) with Gantry's own (baseline).
func weakened(baseline, got resmap.ResMap, env string) []Finding {
	index := map[string]map[string]any{}
	for _, r := range got.Resources() {
		if m, err := r.Map(); err == nil {
			index[r.CurId().String()] = m
		}
	}
	var out []Finding
	add := func(setting, format string, args ...any) {
		out = append(out, Finding{Setting: setting, Message: fmt.Sprintf(format, args...), Envs: []string{env}})
	}
	seen := map[string]bool{}
	for _, r := range baseline.Resources() {
		id, kind, name := r.CurId().String(), r.GetKind(), r.GetName()
		seen[id] = true
		want, err := r.Map()
		have, ok := index[id]
		switch {
		case err != nil:
			continue
		case kind == "NetworkPolicy" && !ok:
			add("networkPolicy", "removes NetworkPolicy %s", name)
		case kind == "NetworkPolicy" && !reflect.DeepEqual(want["spec"], have["spec"]):
			add("networkPolicy", "changes NetworkPolicy %s", name)
		case podSpec(kind, want) != nil && !ok:
			add("workload", "removes %s %s", kind, name)
		case podSpec(kind, want) != nil:
			comparePods(podSpec(kind, want), podSpec(kind, have), kind+" "+name, add)
		}
	}
	for _, r := range got.Resources() {
		if r.GetKind() == "NetworkPolicy" && !seen[r.CurId().String()] {
			add("networkPolicy", "adds NetworkPolicy %s, which allows more traffic", r.GetName())
		}
	}
	return out
}

// podSpec is the pod template's spec of a workload object, nil for other kinds.
func podSpec(kind string, obj map[string]any) map[string]any {
	var keys []string
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet":
		keys = []string{"spec", "template", "spec"}
	case "CronJob":
		keys = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	default:
		return nil
	}
	for _, k := range keys {
		obj, _ = obj[k].(map[string]any)
	}
	if obj == nil {
		return map[string]any{} // a workload whose pod spec a patch removed: every setting is gone
	}
	return obj
}

func field(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, _ := v.(map[string]any)
		v = mm[k]
	}
	return v
}

func changed(verb map[bool]string, have any) string { return verb[have == nil] }

var removesOrChanges = map[bool]string{true: "removes", false: "changes"}

// comparePods reports the guaranteed settings of want that have differs in.
func comparePods(want, have map[string]any, obj string, add func(setting, format string, args ...any)) {
	for _, k := range podSecurity {
		if w, h := field(want, "securityContext", k), field(have, "securityContext", k); !reflect.DeepEqual(w, h) {
			add(k, "%s the pod's %s in %s", changed(removesOrChanges, h), k, obj)
		}
	}
	for _, k := range hostNamespaces {
		if w, h := want[k], have[k]; !reflect.DeepEqual(w, h) {
			add(k, "sets %s in %s", k, obj)
		}
	}
	for _, v := range asList(have["volumes"]) {
		if field(v, "hostPath") != nil {
			add("hostPath", "mounts a hostPath volume in %s", obj)
		}
	}
	for _, list := range []string{"initContainers", "containers"} {
		byName := map[string]map[string]any{}
		for _, c := range asList(have[list]) {
			byName[fmt.Sprint(c["name"])] = c
		}
		wanted := asList(want[list])
		for _, w := range wanted {
			name := fmt.Sprint(w["name"])
			h, ok := byName[name]
			delete(byName, name)
			if !ok {
				add("workload", "removes container %s of %s", name, obj)
				continue
			}
			for _, k := range containerSecurity {
				if !reflect.DeepEqual(field(w, "securityContext", k), field(h, "securityContext", k)) {
					add(k, "%s %s of container %s in %s", changed(removesOrChanges, field(h, "securityContext", k)), k, name, obj)
				}
			}
			for _, k := range append(slices.Clone(probeFields), "image") {
				if !reflect.DeepEqual(w[k], h[k]) {
					add(k, "%s the %s of container %s in %s", changed(removesOrChanges, h[k]), k, name, obj)
				}
			}
		}
		// A container a patch adds (a sidecar) keeps the restricted settings of Gantry's.
		for _, name := range slices.Sorted(maps.Keys(byName)) {
			if len(wanted) == 0 {
				break
			}
			for _, k := range containerSecurity[3:] {
				if w, h := field(wanted[0], "securityContext", k), field(byName[name], "securityContext", k); w != nil && !reflect.DeepEqual(w, h) {
					add(k, "adds container %s to %s without Gantry's %s", name, obj, k)
				}
			}
		}
	}
}

func asList(v any) []map[string]any {
	var out []map[string]any
	l, _ := v.([]any)
	for _, x := range l {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// mergeFindings joins the same finding from several environments (a service-wide component's).
func mergeFindings(in []Finding) []Finding {
	var out []Finding
	for _, f := range in {
		if i := slices.IndexFunc(out, func(o Finding) bool { return o.File == f.File && o.Message == f.Message }); i >= 0 {
			out[i].Envs = append(out[i].Envs, f.Envs...)
			continue
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Finding) int { return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Message, b.Message)) })
	return out
}
