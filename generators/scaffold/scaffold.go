// Package scaffold renders the files `gantry new` writes besides the generated output: the blueprint,
// a platform file, the service's source skeleton (templates/scaffold/<runtime>), a README and a
// .gitignore. The skeleton keeps every promise the generated manifests rely on; the tests build, run
// and stop it with each runtime's own tools.
package scaffold

import (
	"path"
	"slices"
	"strings"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/templates"
)

// MetricsPort is where the skeletons of web services and workers serve Prometheus metrics.
const MetricsPort = 9090

// Options are the service's settings, already checked by the command.
type Options struct {
	Name, Team, Runtime, Type string
	Port                      int    // web only
	CI                        string // github | gitlab | none
	NoGenerate                bool   // the README does not list the generated files
}

// Data is what the skeleton and README templates see.
type Data struct {
	Options
	MetricsPort int    // 0 for cron and job
	Source      string // the source folder, relative to the new folder
	Steps       []catalog.Step
}

// Web, Worker and Once (a cron job or job: do the work, exit 0) say the type; Metrics whether the
// service serves metrics.
func (d Data) Web() bool     { return d.Type == blueprints.TypeWeb }
func (d Data) Worker() bool  { return d.Type == blueprints.TypeWorker }
func (d Data) Once() bool    { return !d.Web() && !d.Worker() }
func (d Data) Metrics() bool { return d.MetricsPort != 0 }

// Source is the service's source folder in the new folder: the blueprint's default.
func Source(name string) string { return "services/" + name }

// data is what the templates of a scaffold read.
func data(o Options) Data {
	rt, _ := catalog.LookupRuntime(o.Runtime)
	d := Data{Options: o, Source: Source(o.Name), Steps: rt.Steps}
	if !d.Once() {
		d.MetricsPort = MetricsPort
		if o.Port == MetricsPort {
			d.MetricsPort++
		}
	}
	return d
}

// Blueprints renders only the scaffold's blueprint and platform file, with the service's blueprint
// named file (NAME.yaml, or a stand-in when NAME is no file name): what gantry new validates before it
// renders anything else.
func Blueprints(o Options, file string) ([]generators.File, error) {
	return blueprintFiles(o, data(o), file)
}

func blueprintFiles(o Options, d Data, file string) ([]generators.File, error) {
	svc, err := templates.Render("service.yaml.tmpl", templates.ServiceData{
		Name: o.Name, Team: o.Team, Runtime: o.Runtime, Type: o.Type, Port: o.Port,
		MetricsPort: d.MetricsPort, Startup: d.Web(),
	})
	if err != nil {
		return nil, err
	}
	platform, err := templates.Render("platform.yaml.tmpl", templates.PlatformData{Name: o.Name, CI: o.CI})
	if err != nil {
		return nil, err
	}
	return []generators.File{
		{Path: path.Join(blueprints.DefaultDir, "platform.yaml"), Data: platform},
		{Path: path.Join(blueprints.DefaultDir, file), Data: svc},
	}, nil
}

// Files renders every file of the scaffold, paths relative to the new folder, sorted.
func Files(o Options) ([]generators.File, error) {
	d := data(o)
	files, err := blueprintFiles(o, d, o.Name+".yaml")
	if err != nil {
		return nil, err
	}
	common, err := templates.Skeleton("common", o.Name, d)
	if err != nil {
		return nil, err
	}
	for _, f := range common {
		files = append(files, generators.File{Path: f.Path, Data: f.Data})
	}
	skel, err := templates.Skeleton(o.Runtime, o.Name, d)
	if err != nil {
		return nil, err
	}
	for _, f := range skel {
		files = append(files, generators.File{Path: path.Join(d.Source, f.Path), Data: f.Data})
	}
	slices.SortFunc(files, func(a, b generators.File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}
