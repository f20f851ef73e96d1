package importer

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// The Compose specification's reference loader (compose-go) is the judge of readCompose: on any
// file it loads, readCompose must read the same values for every field the import uses. (It is a
// test dependency only; gantry itself does not link it.)

// composeGoView is what the import reads of a project, in a form both readers fill.
type composeGoView struct {
	Name     string
	Services map[string]serviceView
}

type serviceView struct {
	Image       string
	Build       *composeBuild
	Ports       []composePort
	Expose      []string
	Health      *healthView
	Environment map[string]*string
	DependsOn   map[string]bool
	Links       []string
	Deploy      *deployView
	Secrets     []composeSecret
}

type healthView struct {
	Test                                          []string
	Disable                                       bool
	Interval, Timeout, StartPeriod, StartInterval *time.Duration
	Retries                                       *uint64
}

type deployView struct {
	Replicas *int
	Limits   *composeLimits
}

func viewOfReader(p *composeProject, dir string) composeGoView {
	v := composeGoView{Name: p.Name, Services: map[string]serviceView{}}
	for name, s := range p.Services {
		sv := serviceView{Image: s.Image, Ports: s.Ports, Expose: s.Expose, Environment: s.Environment, DependsOn: s.DependsOn, Links: s.Links, Secrets: s.Secrets}
		if s.Build != nil {
			b := *s.Build
			if !strings.Contains(b.Context, "://") && !strings.HasPrefix(b.Context, "service:") && !strings.HasPrefix(b.Context, "github.com/") && !strings.HasPrefix(b.Context, "git@") && b.Context != "" && !filepath.IsAbs(b.Context) {
				b.Context = filepath.Join(dir, b.Context)
			}
			sv.Build = &b
		}
		if h := s.HealthCheck; h != nil {
			sv.Health = &healthView{h.Test, h.Disable, h.Interval, h.Timeout, h.StartPeriod, h.StartInterval, h.Retries}
		}
		if d := s.Deploy; d != nil {
			sv.Deploy = &deployView{d.Replicas, d.Limits}
		}
		v.Services[name] = sv
	}
	return v
}

func viewOfComposeGo(p *types.Project) composeGoView {
	v := composeGoView{Name: p.Name, Services: map[string]serviceView{}}
	dur := func(d *types.Duration) *time.Duration {
		if d == nil {
			return nil
		}
		x := time.Duration(*d)
		return &x
	}
	for name, s := range p.Services {
		sv := serviceView{Image: s.Image, Expose: s.Expose, Environment: map[string]*string(s.Environment), DependsOn: map[string]bool{}, Links: s.Links}
		if s.Build != nil {
			b := &composeBuild{Context: s.Build.Context, Dockerfile: s.Build.Dockerfile, DockerfileInline: s.Build.DockerfileInline, Target: s.Build.Target}
			for k := range s.Build.Args {
				b.Args = append(b.Args, k)
			}
			slices.Sort(b.Args)
			sv.Build = b
		}
		for _, p := range s.Ports {
			sv.Ports = append(sv.Ports, composePort{Target: p.Target, Protocol: p.Protocol})
		}
		if h := s.HealthCheck; h != nil {
			sv.Health = &healthView{h.Test, h.Disable, dur(h.Interval), dur(h.Timeout), dur(h.StartPeriod), dur(h.StartInterval), h.Retries}
		}
		for d, c := range s.DependsOn {
			sv.DependsOn[d] = c.Required
		}
		if d := s.Deploy; d != nil {
			dv := &deployView{Replicas: d.Replicas}
			if l := d.Resources.Limits; l != nil {
				dv.Limits = &composeLimits{NanoCPUs: float32(l.NanoCPUs), MemoryBytes: int64(l.MemoryBytes), Pids: l.Pids}
			}
			sv.Deploy = dv
		}
		for _, sec := range s.Secrets {
			sv.Secrets = append(sv.Secrets, composeSecret{Source: sec.Source, Target: sec.Target})
		}
		v.Services[name] = sv
	}
	return v
}

// normalise makes empty and nil collections alike.
func (v composeGoView) normalise() composeGoView {
	for name, s := range v.Services {
		if len(s.Ports) == 0 {
			s.Ports = nil
		}
		if len(s.Expose) == 0 {
			s.Expose = nil
		}
		if len(s.Environment) == 0 {
			s.Environment = nil
		}
		if len(s.DependsOn) == 0 {
			s.DependsOn = nil
		}
		if len(s.Links) == 0 {
			s.Links = nil
		}
		if len(s.Secrets) == 0 {
			s.Secrets = nil
		}
		if s.Build != nil && len(s.Build.Args) == 0 {
			s.Build.Args = nil
		}
		if s.Health != nil && len(s.Health.Test) == 0 {
			s.Health.Test = nil
		}
		v.Services[name] = s
	}
	return v
}

func loadWithComposeGo(dir string, data []byte) (p *types.Project, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("compose-go panicked: %v", r)
		}
	}()
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml"), Content: data}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SkipResolveEnvironment = true
		o.SetProjectName("import", false)
	})
}

var selfCycle = regexp.MustCompile(`(?m)dependency cycle: (\S+) -> (\S+)$`)

// isSelfCycle: the reader reports a service that depends on itself.
func isSelfCycle(err error) bool {
	m := selfCycle.FindStringSubmatch(err.Error())
	return m != nil && m[1] == m[2]
}

// readerUnsupported says whether readCompose refused the file for a feature it does not read.
func readerUnsupported(err error) bool {
	return strings.Contains(err.Error(), "not supported by Gantry's Compose reader") || strings.Contains(err.Error(), "a second YAML document")
}

// portRangeRE finds what may be a port range, for wideRanges.
var portRangeRE = regexp.MustCompile(`([0-9]+)-([0-9]+)`)

// wideRanges: port ranges that expand to thousands of ports, which compose-go takes seconds to load
// (the fuzzer would call it hung).
func wideRanges(data []byte) bool {
	n := 0
	for _, m := range portRangeRE.FindAllSubmatch(data, -1) {
		lo, _ := strconv.Atoi(string(m[1]))
		hi, _ := strconv.Atoi(string(m[2]))
		n += max(hi-lo, 0)
	}
	return n > 5000
}

func compareWithComposeGo(t *testing.T, data []byte) {
	t.Helper()
	if wideRanges(data) {
		return
	}
	dir := "/compose-project"
	want, wantErr := loadWithComposeGo(dir, data)
	got, gotErr := readCompose("compose.yaml", data, "import")
	switch {
	case wantErr != nil && gotErr != nil:
		return
	case wantErr != nil:
		t.Logf("compose-go refuses, the reader accepts (a key the import does not read?): %v", wantErr)
		return
	case gotErr != nil:
		var n yaml.Node
		if yaml.Unmarshal(data, &n) != nil {
			return // YAML that yaml.v3 refuses (the importer has always read the file with it too)
		}
		if isSelfCycle(gotErr) {
			return // compose-go drops a service's dependency on itself or not, in map order (graph.newGraph)
		}
		if !readerUnsupported(gotErr) {
			t.Fatalf("the reader refuses what compose-go loads:\n%v\ninput:\n%s", gotErr, data)
		}
		return
	}
	g, w := viewOfReader(got, dir).normalise(), viewOfComposeGo(want).normalise()
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("the reader and compose-go differ on\n%s\nreader:     %s\ncompose-go: %s", data, dump(g), dump(w))
	}
}

func dump(v composeGoView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name=%s", v.Name)
	for _, n := range slices.Sorted(mapsKeys(v.Services)) {
		s := v.Services[n]
		fmt.Fprintf(&b, "\n  %s: image=%q ports=%v expose=%q links=%q deps=%v secrets=%v", n, s.Image, s.Ports, s.Expose, s.Links, s.DependsOn, s.Secrets)
		if s.Build != nil {
			fmt.Fprintf(&b, " build=%+v", *s.Build)
		}
		if h := s.Health; h != nil {
			fmt.Fprintf(&b, " health={test=%q disable=%v", h.Test, h.Disable)
			for _, d := range []*time.Duration{h.Interval, h.Timeout, h.StartPeriod, h.StartInterval} {
				if d != nil {
					fmt.Fprintf(&b, " %v", *d)
				} else {
					b.WriteString(" -")
				}
			}
			if h.Retries != nil {
				fmt.Fprintf(&b, " retries=%d", *h.Retries)
			}
			b.WriteString("}")
		}
		if d := s.Deploy; d != nil {
			b.WriteString(" deploy={")
			if d.Replicas != nil {
				fmt.Fprintf(&b, "replicas=%d", *d.Replicas)
			}
			if d.Limits != nil {
				fmt.Fprintf(&b, " limits=%+v", *d.Limits)
			}
			b.WriteString("}")
		}
		b.WriteString(" env={")
		for _, k := range slices.Sorted(mapsKeys(s.Environment)) {
			if v := s.Environment[k]; v != nil {
				fmt.Fprintf(&b, "%s=%q ", k, *v)
			} else {
				fmt.Fprintf(&b, "%s ", k)
			}
		}
		b.WriteString("}")
	}
	return b.String()
}

// FuzzComposeReader: on any input, readCompose reads what compose-go reads, or refuses a file
// compose-go refuses too (or one using a feature it does not support, by name).
func FuzzComposeReader(f *testing.F) {
	fuzzSeeds(f, "testdata/compose/*/compose.yaml")
	for _, c := range composeReaderCases {
		f.Add([]byte(c.compose))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithComposeGo(t, data)
	})
}
