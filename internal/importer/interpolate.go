package importer

import (
	"fmt"
	"strings"
)

// Compose's variable interpolation ($VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
// ${VAR?error}, ${VAR:+alternative}, ${VAR+alternative}, $$ for a literal $), as the Compose
// specification's reference loader (compose-go v2) applies it to every string value of the file,
// including its corner cases: an operator's text runs to the last '}' of its line and is then cut at
// the brace that closes the first "${"; what follows is interpolated in turn.

// interpolation is one run over a value: the variables it reads and what it found unset.
type interpolation struct {
	lookup func(string) (string, bool)
	unset  []string // variables read without a default, in order, that were not set
}

// interpolationError is a value Compose refuses: a malformed ${...} or a required variable unset.
type interpolationError struct {
	msg string
}

func (e *interpolationError) Error() string { return e.msg }

// substitute interpolates s. The first error wins, as in Compose, but every match is still replaced.
func (in *interpolation) substitute(s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	var first error
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		start := i + j
		end, kind := matchVariable(s, start)
		if kind == varNone {
			b.WriteByte('$')
			i = start + 1
			continue
		}
		v, err := in.replace(s, s[start:end], kind)
		if err != nil && first == nil {
			first = err
		}
		b.WriteString(v)
		i = end
	}
	return b.String(), first
}

type varKind int

const (
	varNone    varKind = iota
	varEscaped         // $$
	varNamed           // $NAME
	varBraced          // ${NAME} or ${NAME<op>...}
	varInvalid         // ${ followed by anything else
)

// matchVariable finds the reference that starts at s[i] (a '$') and returns its end and kind.
func matchVariable(s string, i int) (int, varKind) {
	if i+1 >= len(s) {
		return i, varNone
	}
	switch c := s[i+1]; {
	case c == '$':
		return i + 2, varEscaped
	case nameStart(c):
		return nameEnd(s, i+2), varNamed
	case c != '{':
		return i, varNone
	}
	k := i + 2
	if k >= len(s) || !nameStart(s[k]) {
		return i + 2, varInvalid
	}
	m := nameEnd(s, k+1)
	op := m
	if op < len(s) && s[op] == ':' {
		op++
	}
	if op < len(s) && strings.IndexByte("-+?", s[op]) >= 0 {
		// The operator's text runs to the last '}' before the end of the line.
		line := s[op+1:]
		if nl := strings.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl]
		}
		if last := strings.LastIndexByte(line, '}'); last >= 0 {
			return op + 1 + last + 1, varBraced
		}
		return i + 2, varInvalid
	}
	if m < len(s) && s[m] == '}' {
		return m + 1, varBraced
	}
	return i + 2, varInvalid
}

func nameStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func nameEnd(s string, i int) int {
	for i < len(s) && (nameStart(s[i]) || '0' <= s[i] && s[i] <= '9') {
		i++
	}
	return i
}

// operators in the order Compose prefers them when two start at the same place.
var operators = []string{":?", "?", ":-", "-", ":+", "+"}

// replace is the value of one reference (match is its whole text, from s).
func (in *interpolation) replace(s, match string, kind varKind) (string, error) {
	switch kind {
	case varEscaped:
		return "$", nil
	case varNamed:
		return in.get(match[1:]), nil
	case varInvalid:
		return "", &interpolationError{fmt.Sprintf("invalid interpolation format in %q: write $$ for a literal $", s)}
	}
	op := ""
	at := -1
	for _, o := range operators {
		if k := strings.Index(match, o); k >= 0 && (at < 0 || k < at) {
			op, at = o, k
		}
	}
	rest := ""
	if c := closingBrace(match); c >= 0 {
		match, rest = match[:c+1], match[c+1:]
	}
	inner := match[2 : len(match)-1]
	if op == "" || !strings.Contains(inner, op) {
		return in.get(inner), nil
	}
	name, arg, _ := strings.Cut(inner, op)
	value, set := in.lookup(name)
	var out string
	switch op {
	case ":-", "-":
		out = value
		if !set || op == ":-" && value == "" {
			v, err := in.substitute(arg)
			if err != nil {
				return "", err
			}
			out = v
		}
	case ":+", "+":
		out = value
		if set && (op == "+" || value != "") {
			v, err := in.substitute(arg)
			if err != nil {
				return "", err
			}
			out = v
		}
	default: // ":?", "?"
		if !set || op == ":?" && value == "" {
			reason, err := in.substitute(arg)
			if err != nil {
				return "", err
			}
			msg := "required variable " + name + " is missing a value"
			if reason != "" {
				msg += ": " + reason
			}
			return "", &interpolationError{msg}
		}
		out = value
	}
	more, err := in.substitute(rest)
	if err != nil {
		return "", err
	}
	return out + more, nil
}

// get is a variable's value, "" (and noted) when it is not set.
func (in *interpolation) get(name string) string {
	v, ok := in.lookup(name)
	if !ok {
		in.unset = append(in.unset, name)
	}
	return v
}

// closingBrace is the index of the '}' that closes the first '{' of s, or -1; like Compose, it
// skips the character after each '{'.
func closingBrace(s string) int {
	open := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '}':
			open--
			if open == 0 {
				return i
			}
		case '{':
			open++
			i++
		}
	}
	return -1
}
