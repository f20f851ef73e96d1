// Package diff writes unified diffs: of generated files against the disk (gantry generate --diff)
// and of golden files against the output of a test.
package diff

import (
	"fmt"
	"strings"
)

// Unified returns a unified diff (three lines of context) from old to new, labelled with the
// paths; "" when they are equal. Generated files are a few hundred lines, so the quadratic longest
// common subsequence is cheap and gives minimal diffs.
func Unified(oldPath, newPath string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	ops := editScript(splitLines(string(old)), splitLines(string(new)))
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldPath, newPath)
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		start := max(0, k-context)
		end := hunkEnd(ops, k)
		writeHunk(&out, ops[start:end])
		k = end
	}
	return out.String()
}

// context is the number of unchanged lines shown around each change.
const context = 3

// op is one line of the edit script from a to b.
type op struct {
	kind byte // ' ', '-', '+'
	text string
	ai   int // line index in a (for ' ' and '-') or where it would go
	bi   int
}

// lcsTable returns lcs, where lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
func lcsTable(a, b []string) [][]int {
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	return lcs
}

// editScript returns a minimal edit script from a to b, one op a line.
func editScript(a, b []string) []op {
	lcs := lcsTable(a, b)
	var ops []op
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], i, j})
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]): // deletions first, as diff(1) does
			ops = append(ops, op{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', b[j], i, j})
			j++
		}
	}
	return ops
}

// hunkEnd returns the end (exclusive) in ops of the hunk whose first change is ops[k].
func hunkEnd(ops []op, k int) int {
	end := k
	// Extend the hunk while changes are within 2*context lines of each other.
	for end < len(ops) {
		if ops[end].kind != ' ' {
			end++
			continue
		}
		run := end
		for run < len(ops) && ops[run].kind == ' ' {
			run++
		}
		if run == len(ops) || run-end > 2*context {
			return min(len(ops), end+context)
		}
		end = run
	}
	return end
}

// writeHunk writes hunk, its header and its lines, to out.
func writeHunk(out *strings.Builder, hunk []op) {
	var aLen, bLen int
	for _, o := range hunk {
		if o.kind != '+' {
			aLen++
		}
		if o.kind != '-' {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%d,%d +%d,%d @@\n", hunk[0].ai+1, aLen, hunk[0].bi+1, bLen)
	for _, o := range hunk {
		out.WriteByte(o.kind)
		out.WriteString(o.text)
		out.WriteByte('\n')
	}
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
