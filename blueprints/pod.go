package blueprints

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Bounds of the pod fields: generous for real use, small enough that a typo cannot produce an object
// the API server refuses (annotations hold at most 256 KiB in all).
const (
	MaxPodMetadata  = 64
	MaxTolerations  = 20
	MaxCommandArgs  = 64
	MaxCommandArg   = 4096
	MaxWritablePath = 10
	MaxAnnotation   = 16 << 10
)

// reservedAnnotations are annotations a blueprint may not set, each with why: Gantry's own, and those
// that take a pod out of the mesh's mTLS and authorization or out of its security profile.
var reservedAnnotations = []struct{ prefix, why string }{
	{"sidecar.istio.io/inject", "Gantry sets it: every pod is in the mesh"},
	{"sidecar.istio.io/nativeSidecar", "Gantry sets it for jobs"},
	{"traffic.sidecar.istio.io/", "it lets traffic bypass the mesh's mTLS and authorization"},
	{"sidecar.istio.io/interceptionMode", "it changes how the mesh captures traffic"},
	{"linkerd.io/inject", "Gantry sets it: every pod is in the mesh"},
	{"config.linkerd.io/skip-", "it lets traffic bypass the mesh's mTLS and authorization"},
	{"config.linkerd.io/default-inbound-policy", "it weakens the mesh's authorization"},
	{"config.alpha.linkerd.io/proxy-enable-native-sidecar", "Gantry sets it for jobs"},
	{"container.apparmor.security.beta.kubernetes.io/", "it changes the containers' security profile"},
	{"seccomp.security.alpha.kubernetes.io/", "it changes the containers' security profile"},
}

// reservedLabels are label prefixes a blueprint may not set on its pods: the selectors, network rules
// and admission policies match Gantry's, and the mesh's decide whether a pod is in it.
var reservedLabels = []struct{ prefix, why string }{
	{"app.kubernetes.io/", "Gantry sets these; its selectors, network rules and admission policies match them"},
	{"gantry.dev/", "Gantry's own"},
	{"sidecar.istio.io/inject", "every pod is in the mesh"},
	{"istio.io/", "the mesh's own: it decides whether and how a pod is in the mesh"},
	{"istio-injection", "every pod is in the mesh"},
	{"linkerd.io/", "the mesh's own"},
	{"azure.workload.identity/", "Gantry sets it for the workload identity"},
}

// The forms Kubernetes gives label keys (also annotation and taint keys) and label values.
const (
	keyHint   = "an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (example.com/gpu, dedicated)"
	valueHint = "at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or empty"
)

func reserved(key string, list []struct{ prefix, why string }) string {
	for _, r := range list {
		if key == r.prefix || (strings.HasSuffix(r.prefix, "/") || strings.HasSuffix(r.prefix, "-")) && strings.HasPrefix(key, r.prefix) {
			return r.why
		}
	}
	return ""
}

// pod checks spec.pod: qualified keys, label values, nothing reserved, no credential in an annotation,
// and tolerations Kubernetes accepts.
func (c *check) pod(p Pod) {
	c.metadataMap("spec.pod.annotations", p.Annotations, reservedAnnotations, false)
	c.metadataMap("spec.pod.labels", p.Labels, reservedLabels, true)
	c.metadataMap("spec.pod.nodeSelector", p.NodeSelector, nil, true)
	if len(p.Tolerations) > MaxTolerations {
		c.ferr("spec.pod.tolerations", "", "more than %d tolerations", MaxTolerations)
		return
	}
	for i, t := range p.Tolerations {
		at := fmt.Sprintf("spec.pod.tolerations[%d]", i)
		if t.Key != "" {
			if len(validation.IsQualifiedName(t.Key)) > 0 {
				c.ferr(at+".key", keyHint, "%q is not a taint key", t.Key)
			}
		} else if t.Operator != "Exists" {
			c.ferr(at, "add the taint's key, or operator: Exists to tolerate every taint", "a toleration without a key needs operator Exists")
		}
		if t.Operator == "Exists" && t.Value != "" {
			c.ferr(at+".value", "remove it: Exists matches any value", "operator Exists takes no value")
		} else if len(validation.IsValidLabelValue(t.Value)) > 0 {
			c.ferr(at+".value", valueHint, "%q is not a taint value", truncate(t.Value, 70))
		}
		if t.TolerationSeconds != 0 && t.Effect != "NoExecute" {
			c.ferr(at+".tolerationSeconds", "add effect: NoExecute, or remove it", "applies to effect NoExecute only")
		}
	}
}

// metadataMap checks a map of labels or annotations: qualified keys, label values where values are
// label values, no reserved key, no credential in a value.
func (c *check) metadataMap(field string, m map[string]string, reservedKeys []struct{ prefix, why string }, labelValues bool) {
	if len(m) > MaxPodMetadata {
		c.ferr(field, "", "more than %d entries", MaxPodMetadata)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p := joinPath(field, k)
		if !c.fromService(p) {
			continue // a platform default's, checked once by the platform's check
		}
		v := m[k]
		if len(validation.IsQualifiedName(k)) > 0 {
			c.keyErr(p, keyHint, "%q is not a valid key", truncate(k, 70))
		} else if why := reserved(k, reservedKeys); why != "" {
			c.keyErr(p, "remove it", "%s is reserved: %s", k, why)
		}
		switch {
		case labelValues:
			if len(validation.IsValidLabelValue(v)) > 0 {
				c.ferr(p, valueHint, "%q is not a label value", truncate(v, 70))
			}
		case len(v) > MaxAnnotation:
			c.ferr(p, "keep large data in a file", "value is longer than %d bytes", MaxAnnotation)
		default:
			if kind, what, lit := credential(k, v); kind == credentialValue || kind == credentialShaped {
				c.ferr(p, "keep credentials in the secret store and list them under secrets", "value %s looks like %s; annotations are not secret", redactValue(lit), what)
			}
		}
	}
}

// commandArgs checks spec.command and spec.args: bounded, and text a process can receive.
func (c *check) commandArgs(s *ServiceSpec) {
	for _, f := range []struct {
		field string
		v     []string
	}{{"spec.command", s.Command}, {"spec.args", s.Args}} {
		if len(f.v) > MaxCommandArgs {
			c.ferr(f.field, "keep configuration in a mounted file instead", "more than %d entries", MaxCommandArgs)
			continue
		}
		for i, a := range f.v {
			p := fmt.Sprintf("%s[%d]", f.field, i)
			switch {
			case len(a) > MaxCommandArg:
				c.ferr(p, "keep configuration in a mounted file instead", "longer than %d bytes", MaxCommandArg)
			case strings.ContainsRune(a, 0):
				c.ferr(p, "remove it: no process can receive a NUL in its arguments", "contains a NUL character")
			}
			if kind, what, lit := credential("", a); kind == credentialValue {
				c.ferr(p, "read it from a secret: list it under secrets and pass $(NAME) or the file under CONFIDENTIAL_DIR", "argument %s looks like %s; arguments are not secret", redactValue(lit), what)
			}
		}
	}
}

// systemDirs are folders a writable path may not be in: the kernel's, the devices', and where
// Kubernetes and Gantry mount files. One above them is fine: Kubernetes mounts nested volumes in order.
var systemDirs = []string{"/proc", "/sys", "/dev", "/var/run/secrets", "/run/secrets", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", ConfidentialDir}

// writablePaths checks spec.writablePaths: clean absolute folders, none over another, none over /tmp,
// the root or a system folder, and a size that parses.
func (c *check) writablePaths(ws []WritablePath) {
	l := c.list("spec.writablePaths", len(ws), MaxWritablePath, "writable paths", c.ferr)
	if l == nil {
		return
	}
	for i, w := range ws {
		at := fmt.Sprintf("spec.writablePaths[%d]", i)
		if w.Path != "" {
			if msg := writablePathProblem(w.Path); msg != "" {
				c.ferr(at+".path", "an absolute folder such as /var/cache/app", "%s", msg)
			} else {
				for j, o := range ws[:i] {
					if writablePathProblem(o.Path) == "" && (within(w.Path, o.Path) || within(o.Path, w.Path)) {
						c.ferr(at+".path", fmt.Sprintf("keep one of the two (spec.writablePaths[%d]): a folder below another is already writable", j), "%s overlaps writable path %s", w.Path, o.Path)
						break
					}
				}
			}
		}
		if w.SizeLimit != "" {
			if q, err := resource.ParseQuantity(w.SizeLimit); err != nil {
				c.ferr(at+".sizeLimit", "a Kubernetes quantity such as 64Mi or 1Gi", "%q is not a quantity", w.SizeLimit)
			} else if q.Cmp(resource.MustParse("1Mi")) < 0 {
				c.ferr(at+".sizeLimit", "at least 1Mi", "%s is too small", w.SizeLimit)
			}
		}
	}
}

// within reports whether folder p is dir or below it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

func writablePathProblem(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Sprintf("%q is not an absolute path", p)
	case path.Clean(p) != p || strings.ContainsAny(p, "\x00\n\r:"):
		return fmt.Sprintf("%q is not a clean path (no '..', '.', '//', trailing '/', ':' or control characters)", p)
	case p == "/":
		return "the root filesystem stays read-only"
	case within(p, "/tmp"):
		return fmt.Sprintf("%s is already writable: /tmp is an emptyDir", p)
	}
	for _, d := range systemDirs {
		if within(p, d) {
			return fmt.Sprintf("%s is in %s, which the kernel, Kubernetes or Gantry provides", p, d)
		}
	}
	return ""
}
