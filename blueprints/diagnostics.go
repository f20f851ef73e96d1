package blueprints

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity says whether a diagnostic fails validation.
type Severity int

// Severities. Warnings fail only under --strict.
const (
	SeverityError Severity = iota
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Pos is a position in a blueprint file. Line and Col are 1-based; 0 means unknown.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Diagnostic is one problem found in a blueprint.
type Diagnostic struct {
	Pos      Pos
	Path     string // field path, e.g. spec.replicas.min; empty for file-level problems
	Message  string // what is wrong, lower-case, no final period
	Hint     string // what to do, where it is knowable
	Severity Severity
	rest     bool // Capped's "N more problems": last among its file's, wherever its position sorts
}

// String renders the diagnostic as `file:line:col: path: message (hint)`, sanitized (see Sanitize).
func (d Diagnostic) String() string {
	d = d.Sanitized()
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	if d.Hint != "" {
		b.WriteString(" (")
		b.WriteString(d.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Limits on what a diagnostic shows: a word (a run of characters without spaces) longer than maxWord is
// cut to its first wordKeep characters, and a path, message or hint to maxText characters. A blueprint
// value can be 200,000 characters long; its diagnostic is one line of a CI log.
const (
	maxWord  = 160
	wordKeep = 100
	maxText  = 1000
)

var longWordRE = lazyRegexp(fmt.Sprintf(`\S{%d,}`, maxWord+1))

// Sanitize makes a text safe to print in a terminal, a CI log or an annotation: what looks like a
// credential is redacted (RedactCredentials), long words are cut and the whole is capped. It is
// idempotent, so sanitizing twice (in Load and again in String) changes nothing more.
func Sanitize(s string) string {
	s = RedactCredentials(s)
	s = longWordRE().ReplaceAllStringFunc(s, func(w string) string {
		r := []rune(w)
		tail := len(r)
		for tail > len(r)-3 && strings.ContainsRune(`"')]},.;:`, r[tail-1]) {
			tail-- // keep the closing quote or bracket
		}
		return string(r[:wordKeep]) + "…" + string(r[tail:])
	})
	if r := []rune(s); len(r) > maxText {
		s = string(r[:maxText]) + "…"
	}
	return s
}

// Sanitized returns the diagnostic with its path, message and hint sanitized (see Sanitize), and any
// known credential shape in its file name redacted (the name is otherwise kept whole: editors and
// annotations open it).
func (d Diagnostic) Sanitized() Diagnostic {
	d.Path, d.Message, d.Hint = Sanitize(d.Path), Sanitize(d.Message), Sanitize(d.Hint)
	d.Pos.File = redactKnownCredentials(d.Pos.File)
	return d
}

// Sanitized returns the diagnostics, each sanitized: what every output format (text, JSON, annotations)
// prints.
func (ds Diagnostics) Sanitized() Diagnostics {
	out := make(Diagnostics, len(ds))
	for i, d := range ds {
		out[i] = d.Sanitized()
	}
	return out
}

// Diagnostics is a list of problems, reported all at once.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error (strict: any at all).
func (ds Diagnostics) HasErrors(strict bool) bool {
	for _, d := range ds {
		if strict || d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Count returns the number of errors and warnings.
func (ds Diagnostics) Count() (errs, warns int) {
	for _, d := range ds {
		if d.Severity == SeverityError {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

// Sorted returns the diagnostics ordered by file, line, column and text, without duplicates (the same
// problem found while resolving several environments is reported once).
func (ds Diagnostics) Sorted() Diagnostics {
	out := slices.Clone(ds)
	slices.SortFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			compareBool(a.rest, b.rest),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Severity, b.Severity),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Message, b.Message),
			cmp.Compare(a.Hint, b.Hint),
		)
	})
	return slices.Compact(out)
}

// MaxPerFile caps the problems reported for one file: past it, the rest are counted, not listed, so a
// hostile file cannot flood a CI log.
const MaxPerFile = 50

// Capped keeps at most MaxPerFile problems of each file (the first, in order) and replaces the rest with
// one line that counts them. ds must be sorted.
func (ds Diagnostics) Capped() Diagnostics {
	out := make(Diagnostics, 0, len(ds))
	for i := 0; i < len(ds); {
		j := i
		for j < len(ds) && ds[j].Pos.File == ds[i].Pos.File {
			j++
		}
		if j-i <= MaxPerFile {
			out = append(out, ds[i:j]...)
		} else {
			out = append(out, ds[i:i+MaxPerFile]...)
			out = append(out, Diagnostic{Pos: Pos{File: ds[i].Pos.File}, Severity: SeverityError,
				Message: fmt.Sprintf("%d more problems in this file not shown", j-i-MaxPerFile),
				Hint:    "fix the ones above and run again", rest: true})
		}
		i = j
	}
	return out
}

// ValidationError is returned when blueprints are invalid. It carries every problem found.
type ValidationError struct {
	Diagnostics Diagnostics
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("validation failed:")
	for _, d := range e.Diagnostics {
		b.WriteString("\n  ")
		b.WriteString(d.String())
	}
	return b.String()
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
