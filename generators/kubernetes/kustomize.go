package kubernetes

import (
	"net/netip"
	"path"
	"strings"
)

const kustomizeAPI = "kustomize.config.k8s.io/v1beta1"

// kustomization is the subset of kustomize's Kustomization that Gantry writes.
type kustomization struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Resources  []string         `json:"resources,omitempty"`
	Components []string         `json:"components,omitempty"`
	Images     []kustomizeImage `json:"images,omitempty"`
	Patches    []kustomizePatch `json:"patches,omitempty"`
}

const (
	// imageComponent is the overlay's folder holding the image pin (a kustomize Component): Gantry
	// seeds it once and CI's promote step owns it, so a promotion is not drift and a regeneration
	// never undoes one.
	imageComponent    = "image"
	kustomizeAlphaAPI = "kustomize.config.k8s.io/v1alpha1"
)

type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag"`
	Digest  string `json:"digest"`
}

type kustomizePatch struct {
	Path string `json:"path"`
}

// overlay collects an environment's extra resources and patches.
type overlay struct {
	resources []string
	patches   []string
}

func baseKustomization(resources []string) kustomization {
	return kustomization{APIVersion: kustomizeAPI, Kind: "Kustomization", Resources: resources}
}

// overlayKustomization builds an environment from the base and its image component (none for a
// prebuilt image, which the base pins).
func (m *model) overlayKustomization(ov overlay) kustomization {
	k := kustomization{APIVersion: kustomizeAPI, Kind: "Kustomization", Resources: append([]string{"../../base"}, ov.resources...)}
	if m.svc.Base.Prebuilt == "" {
		k.Components = []string{imageComponent}
	}
	// The user's components last: theirs for every environment, then this one's (custom.go).
	k.Components = append(k.Components, path.Join("../..", CustomComponent), CustomComponent)
	for _, p := range ov.patches {
		k.Patches = append(k.Patches, kustomizePatch{Path: p})
	}
	return k
}

// imagePin is the environment's image component: the placeholder tag and digest until CI pins the
// image it built with `kustomize edit set image <name>=<repo>:<tag>@<digest>` in that folder.
func (m *model) imagePin(baseImage string) kustomization {
	img := kustomizeImage{Name: baseImage, NewTag: placeholderTag, Digest: placeholderDigest}
	if m.s.Image != baseImage {
		img.NewName = m.s.Image
	}
	return kustomization{APIVersion: kustomizeAlphaAPI, Kind: "Component", Images: []kustomizeImage{img}}
}

// validDNSName reports whether an egress host is a name (not an address or a range).
func validDNSName(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return false
	}
	_, err := netip.ParsePrefix(h)
	return err != nil
}

// dnsLabelOf turns a host name into a piece of an object name.
func dnsLabelOf(h string) string {
	s := strings.ReplaceAll(h, ".", "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	return s
}
