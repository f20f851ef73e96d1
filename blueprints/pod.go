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

// reservedAnnotations are annotation keys a blueprint may not set, each with why: every key of the
// meshes' domains (they inject, configure and can bypass the proxy that enforces mTLS and
// authorization: the platform's settings, not a service's), and those that change a pod's security
// profile, network attachments or cloud identity.
var reservedAnnotations = []struct{ prefix, why string }{
	{"istio.io", "the mesh's settings are the platform's: they can change or bypass the proxy that enforces mTLS and authorization"},
	{"linkerd.io", "the mesh's settings are the platform's: they can change or bypass the proxy that enforces mTLS and authorization"},
	{"security.alpha.kubernetes.io", "it changes the containers' security profile"},
	{"security.beta.kubernetes.io", "it changes the containers' security profile"},
	{"k8s.v1.cni.cncf.io", "it attaches the pod to networks outside the cluster's, where no NetworkPolicy applies"},
	{"iam.amazonaws.com", "it grants a cloud identity; Gantry binds the workload's own"},
	{"eks.amazonaws.com", "it grants a cloud identity; Gantry binds the workload's own"},
	{"azure.workload.identity", "Gantry sets the workload identity"},
	{"iam.gke.io", "it grants a cloud identity; Gantry binds the workload's own"},
}

// reservedLabels are label keys a blueprint may not set on its pods: the selectors, network rules
// and admission policies match Gantry's, and the meshes' decide whether and how a pod is in them.
var reservedLabels = []struct{ prefix, why string }{
	{"kubernetes.io", "Gantry sets app.kubernetes.io/*, which its selectors, network rules and admission policies match; the rest are Kubernetes' own"},
	{"gantry.dev", "Gantry's own"},
	{"istio.io", "the mesh's own: it decides whether and how a pod is in the mesh"},
	{"istio-injection", "every pod is in the mesh"},
	{"linkerd.io", "the mesh's own: it decides whether and how a pod is in the mesh"},
	{"azure.workload.identity", "Gantry sets it for the workload identity"},
}

// The forms Kubernetes gives label keys (also annotation and taint keys) and label values.
const (
	keyHint   = "an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (example.com/gpu, dedicated)"
	valueHint = "at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or empty"
)

// reserved says why a label or annotation key is refused (its prefix, the part before '/', is one of
// the domains or below it; a key without a prefix is compared whole), or "".
func reserved(key string, domains []struct{ prefix, why string }) string {
	prefix, _, hasPrefix := strings.Cut(key, "/")
	for _, d := range domains {
		if hasPrefix && (prefix == d.prefix || strings.HasSuffix(prefix, "."+d.prefix)) || !hasPrefix && key == d.prefix {
			return d.why
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
			_, name, _ := strings.Cut(k, "/")
			if name == "" {
				name = k
			}
			if what := credentialSetting(name, v); what != "" {
				c.ferr(p, "keep credentials in the secret store and list them under secrets", "value %s looks like %s; annotations are not secret", redactValue(v), what)
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
			if strings.Contains(a, "@{") {
				c.ferr(p, "placeholders resolve in env values only: set one in env and pass $(NAME)", "@{...} is not resolved in %s", f.field)
			} else if what := argCredential(f.v, i); what != "" {
				c.ferr(p, "read it from a secret: list it under secrets and pass $(NAME) or the file under CONFIDENTIAL_DIR", "argument %s looks like %s; arguments are not secret", redactValue(a), what)
			}
		}
	}
}

// argCredential says what the i-th argument looks like when it is a credential: by its shape, as
// --name=value, or as the value after a --name flag; or "".
func argCredential(args []string, i int) string {
	a := args[i]
	if kind, what, _ := credential("", a); kind == credentialValue {
		return what
	}
	if name, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "="); ok && strings.HasPrefix(a, "-") {
		return credentialSetting(name, value)
	}
	if i > 0 && strings.HasPrefix(args[i-1], "-") && !strings.Contains(args[i-1], "=") && !strings.HasPrefix(a, "-") {
		return credentialSetting(strings.TrimLeft(args[i-1], "-"), a)
	}
	return ""
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
	if msg := systemDirProblem(p); msg != "" {
		return msg
	}
	for _, d := range imageDirs {
		if p == d || within(p, d) && d != "/etc" && d != "/usr" {
			return fmt.Sprintf("an empty folder at %s would hide the image's programs, libraries or configuration", p)
		}
	}
	return ""
}

// systemDirProblem says why nothing may be mounted at p (a folder or a file), or "".
func systemDirProblem(p string) string {
	for _, d := range systemDirs {
		if within(p, d) {
			return fmt.Sprintf("%s is in %s, which the kernel, Kubernetes or Gantry provides", p, d)
		}
	}
	return ""
}

// imageDirs are the image's own folders a writable path may not hide: the programs and libraries
// (and everything below them), and /etc and /usr themselves (a folder below them, /etc/nginx/conf.d,
// may be).
var imageDirs = []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/etc", "/usr", "/usr/bin", "/usr/sbin",
	"/usr/lib", "/usr/lib64", "/usr/libexec", "/usr/local/bin", "/usr/local/lib", "/usr/share/ca-certificates", "/etc/ssl", "/etc/pki"}
