// Package docker generates a Dockerfile and .dockerignore beside each service's source, for its
// runtime, unless the service has its own: a Dockerfile already there that Gantry did not write is
// never replaced, one the blueprint names (spec.build.dockerfile) is never written, and a prebuilt
// service (spec.prebuilt) has none.
package docker

import (
	"fmt"
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

// InRepo implements generators.InRepoTarget: every file of the target goes under the repository root.
func (*Generator) InRepo() bool { return true }

// Produces implements generators.Generator: a Dockerfile and .dockerignore beside a service's source.
func (*Generator) Produces(p string) bool {
	return path.Base(p) == "Dockerfile" || path.Base(p) == ".dockerignore"
}

// Generate implements generators.Generator.
func (*Generator) Generate(p *blueprints.ResolvedPlatform, s *blueprints.ResolvedService) ([]generators.File, error) {
	b := s.Base.Build
	if s.Base.Prebuilt != "" || b.Dockerfile != "" {
		return nil, nil // an image Gantry does not build, or the user's own Dockerfile
	}
	// Gantry's Dockerfiles copy from the source folder as the build context: with another context they
	// would copy the wrong files, or fail.
	if b.Context != "" && path.Clean(b.Context) != path.Clean(s.Base.Source) {
		return nil, fmt.Errorf("%s: spec.build.context %q is not the source folder %q, which Gantry's Dockerfile builds from: set spec.build.dockerfile to your own Dockerfile for that context, or remove spec.build.context",
			s.File, b.Context, s.Base.Source)
	}
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
