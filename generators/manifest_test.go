package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// The record's own encoder writes what json.MarshalIndent writes, for every shape the record takes
// (no files, no platforms, empty and nil lists, optional fields, strings that JSON escapes).
func TestManifestEncode(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	strs := []string{"", "a/b.yaml", "x\"y", `back\slash`, "<tag>&amp", "tab\there", "é ünïcode", "\u2028", "bad\xffutf8", "ctl\x01"}
	pick := func() string { return strs[r.IntN(len(strs))] }
	cases := []Manifest{{Version: 1}, {Version: 1, Files: map[string]ManifestEntry{}}, {Version: 1, Files: map[string]ManifestEntry{}, Platforms: map[string][]string{"p": nil, "q": {}}}}
	for range 200 {
		m := Manifest{Version: r.IntN(3), Gantry: pick(), Files: map[string]ManifestEntry{}}
		for range r.IntN(6) {
			m.Files[pick()+fmt.Sprint(r.IntN(100))] = ManifestEntry{SHA256: pick(), Pending: pick(), Target: pick(), Env: pick(), Source: pick(), Platform: pick(), Yours: r.IntN(2) == 0}
		}
		if r.IntN(2) == 0 {
			m.Platforms = map[string][]string{}
			for range r.IntN(3) {
				m.Platforms[pick()] = []string{pick(), pick()}[:r.IntN(3)]
			}
		}
		cases = append(cases, m)
	}
	for i, m := range cases {
		want, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got := m.encode(); !bytes.Equal(got, want) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// syntheticRecord is the record of a platform of n services shaped like bench/synthetic's output:
// 48 files a service (in overlays, terraform envs and gitops, one per environment), the platform's
// blueprints in Platforms.
func syntheticRecord(n int) Manifest {
	type file struct{ target, path, env string }
	var layout []file
	for _, f := range []string{"deployment", "service", "hpa", "pdb", "serviceaccount", "configmap", "networkpolicy", "kustomization"} {
		layout = append(layout, file{"kubernetes", "kubernetes/base/" + f + ".yaml", ""})
	}
	for _, env := range []string{"dev", "staging", "prod"} {
		for _, f := range []string{"kustomization", "deployment-patch", "hpa-patch", "configmap", "ingress", "secrets"} {
			layout = append(layout, file{"kubernetes", "kubernetes/overlays/" + env + "/" + f + ".yaml", env})
		}
		layout = append(layout, file{"terraform", "terraform/envs/" + env + ".tfvars", env}, file{"gitops", "gitops/" + env + ".yaml", env})
	}
	layout = append(layout, file{"kubernetes", "kubernetes/custom/kustomization.yaml", ""}, file{"kubernetes", "kubernetes/custom/patch.yaml", ""})
	for _, f := range []string{"main.tf", "variables.tf", "outputs.tf", "providers.tf", "versions.tf", "backend.tf", "dep0.tf", "dep1.tf", ".trivyignore.yaml"} {
		layout = append(layout, file{"terraform", "terraform/" + f, ""})
	}
	layout = append(layout, file{"docker", "Dockerfile", ""}, file{"docker", ".dockerignore", ""})
	m := Manifest{Version: 1, Gantry: Release, Files: map[string]ManifestEntry{}, Platforms: map[string][]string{}}
	members := []string{"blueprints/platform.yaml"}
	for i := range n {
		svc, source := fmt.Sprintf("svc-%04d", i), fmt.Sprintf("blueprints/svc-%04d.yaml", i)
		dir := fmt.Sprintf("synthetic/team-%02d/%s/", i/10, svc)
		for j, f := range layout {
			m.Files[dir+f.path] = ManifestEntry{SHA256: fmt.Sprintf("%064x", i*100+j), Target: f.target, Env: f.env, Source: source, Platform: "synthetic", Yours: strings.Contains(f.path, "/custom/")}
		}
		m.Files[".github/workflows/"+svc+".yaml"] = ManifestEntry{SHA256: fmt.Sprintf("%064x", i), Target: "ci", Source: source, Platform: "synthetic"}
		members = append(members, source)
	}
	m.Platforms["synthetic"] = members
	return m
}

func BenchmarkManifestEncode(b *testing.B) {
	m := syntheticRecord(1000)
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			m.encode()
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			json.MarshalIndent(m, "", "  ")
		}
	})
}

// BenchmarkManifestDecode reads the record of 1,000 services (13 MB), as readManifest does.
func BenchmarkManifestDecode(b *testing.B) {
	data := syntheticRecord(1000).encode()
	b.SetBytes(int64(len(data)))
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			m := Manifest{Version: 1, Files: map[string]ManifestEntry{}}
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
