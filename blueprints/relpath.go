package blueprints

import (
	"reflect"
	"regexp"
	"sync"
)

// relPathChars is the character set of the fields that name a folder of the repository (spec.source,
// spec.gitops.path): their `pattern` tag, which the parser enforces and the schema and docs show.
// Those values reach CI files and GitOps objects, where GitHub evaluates `${{ }}`, GitLab and Flux
// expand `$VAR` and `${VAR}`, and a glob reads `*`, `?` and `[`: the set leaves no character any of
// them treats as code. relPathProblem leaves a value outside it to the parser's message, so that each
// problem is reported once; TestRelPathPattern keeps the tags in step.
// It is computed on first use (reflection and a regexp: start-up).
var relPathChars = sync.OnceValue(func() *regexp.Regexp {
	return patternOf(fieldTag(reflect.TypeFor[ServiceSpec](), "source").Get("pattern"))
})

// fieldTag is the struct tag of the YAML field name of struct type t.
func fieldTag(t reflect.Type, name string) reflect.StructTag {
	f, ok := structInfoOf(t).byName[name]
	if !ok {
		panic("blueprints: no field " + name + " in " + t.String())
	}
	return f.tag
}

// RepoPathAllowed reports whether a path of the repository keeps to the characters of relPathChars:
// what the CI target asks of the paths that are not blueprint values but reach a pipeline all the same
// (the blueprint files' own paths, in its `paths:` filters and BLUEPRINTS variable).
func RepoPathAllowed(p string) bool { return relPathChars().MatchString(p) }
