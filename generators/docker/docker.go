// Package docker generates a Dockerfile and .dockerignore beside each service's source, for its
// runtime, unless the service has its own: a Dockerfile already there that Gantry did not write is
// never replaced.
package docker

import (
	"path"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/templates"
)

// Generator is the docker target.
type Generator struct{}

// New returns the docker target.
func New() *Generator { return &Generator{} }

// Name implements generators.Generator.
func (*Generator) Name() string { return "docker" }

// Produces implements generators.Generator: a Dockerfile and .dockerignore beside a service's source.
func (*Generator) Produces(p string) bool {
	return path.Base(p) == "Dockerfile" || path.Base(p) == ".dockerignore"
}

// Generate implements generators.Generator.
func (*Generator) Generate(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) ([]generators.File, error) {
	df, ignore, err := templates.Dockerfile(s.Base.Runtime, templates.DockerfileData{
		Marker: generators.Origin(s.Source), Name: s.Name, Source: s.Base.Source, Port: s.Base.Port,
	})
	if err != nil {
		return nil, err
	}
	return []generators.File{
		{Path: path.Join(s.Base.Source, "Dockerfile"), Data: df, Kind: generators.RepoDefault},
		{Path: path.Join(s.Base.Source, ".dockerignore"), Data: ignore, Kind: generators.RepoDefault},
	}, nil
}
