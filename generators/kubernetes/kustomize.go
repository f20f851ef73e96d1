package kubernetes

import (
	"net/netip"
	"strings"
)

const kustomizeAPI = "kustomize.config.k8s.io/v1beta1"

// kustomization is the subset of kustomize's Kustomization that Gantry writes.
type kustomization struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Resources  []string         `json:"resources"`
	Images     []kustomizeImage `json:"images,omitempty"`
	Patches    []kustomizePatch `json:"patches,omitempty"`
}

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

func (m *model) baseKustomization(resources []string) (kustomization, error) {
	return kustomization{APIVersion: kustomizeAPI, Kind: "Kustomization", Resources: resources}, nil
}

// overlayKustomization builds an environment from the base. CI pins the image with
// `kustomize edit set image <name>=<repo>:<tag>@<digest>` in this file.
func (m *model) overlayKustomization(ov overlay, baseImage string) kustomization {
	img := kustomizeImage{Name: baseImage, NewTag: placeholderTag, Digest: placeholderDigest}
	if m.s.Image != baseImage {
		img.NewName = m.s.Image
	}
	k := kustomization{APIVersion: kustomizeAPI, Kind: "Kustomization",
		Resources: append([]string{"../../base"}, ov.resources...), Images: []kustomizeImage{img}}
	for _, p := range ov.patches {
		k.Patches = append(k.Patches, kustomizePatch{Path: p})
	}
	return k
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
