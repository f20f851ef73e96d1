package blueprints

import (
	"fmt"
	"path"
	"strings"
)

// repoFile is a file under the repository root that a platform's output claims, and who claims it.
type repoFile struct {
	platform string
	file     string // the blueprint that makes it
	field    string // where that blueprint says so
	what     string // the path, as people read it
	hint     string
}

const ciHint = "a repository's pipelines are named after their services: rename one of the two, or set spec.ci: none on one of the platforms"

// uniqueRepoFiles reports two platforms of one run whose repository files would be the same file:
// a CI file per service (GitHub .github/workflows/<name>.yaml, GitLab .gitlab/ci/<name>.yml) or a
// built service's source folder, where its Dockerfile goes (GitLab's root .gitlab-ci.yml is the same
// for every platform, and written once). Within one
// platform the name and source checks see to it; across platforms the writer would find two files for
// one path, and refuse the whole run without saying which blueprints to change.
func (l *loader) uniqueRepoFiles(platforms []*ResolvedPlatform) {
	first := map[string]repoFile{}
	claim := func(key string, f repoFile) {
		prev, ok := first[key]
		if !ok {
			first[key] = f
			return
		}
		if prev.platform == f.platform {
			return // one platform's own clash, reported by its own checks
		}
		pos := Pos{File: f.file}
		if pf := l.parsed[f.file]; pf != nil && pf.nodes[f.field] != nil {
			pos = posOf(pf.Path, pf.nodes[f.field])
		}
		l.add(Diagnostic{Pos: pos, Path: f.field, Severity: SeverityError,
			Message: fmt.Sprintf("%s would be written for platform %s and for platform %s (%s)", f.what, f.platform, prev.platform, prev.file),
			Hint:    f.hint})
	}
	for _, p := range platforms {
		for _, s := range p.Services {
			switch p.Spec.CI {
			case "github":
				claim("ci/"+s.Name, repoFile{p.Name, s.File, "metadata.name", ".github/workflows/" + s.Name + ".yaml", ciHint})
			case "gitlab":
				claim("ci/"+s.Name, repoFile{p.Name, s.File, "metadata.name", ".gitlab/ci/" + s.Name + ".yml", ciHint})
			}
			if src := s.Base.Source; s.Base.Prebuilt == "" && src != "" && relPathProblem(src) == "" {
				claim("src/"+strings.ToLower(path.Clean(src)), repoFile{p.Name, s.File, "metadata.name", "the Dockerfile in " + src,
					"give each service a source folder of its own (spec.source)"})
			}
		}
	}
}
