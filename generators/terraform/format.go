// This file reimplements the formatting rules of hclwrite's format.go (github.com/hashicorp/hcl/v2,
// Copyright (c) HashiCorp, Inc., MPL-2.0) so that Gantry's Terraform is byte-identical to what hclwrite
// and `terraform fmt` produce; as a work derived from an MPL-2.0 file, this file is under MPL-2.0
// (https://mozilla.org/MPL/2.0/), whatever the license of the rest of the repository.

package terraform

import (
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// formatTokens sets the spaces before each token exactly as hclwrite's formatter does (the one
// File.Bytes runs, the same rules as `terraform fmt`): indentation by brackets, single spaces between
// tokens, and `=` signs and trailing comments aligned in runs of consecutive lines. It follows
// hclwrite's format.go step for step; what differs is how a token's width is counted when aligning.
// hclwrite counts grapheme clusters with go-textseg for every token, and each count allocates a 4 KB
// scanner buffer: that was a third of the Terraform target. Here an ASCII token (all Gantry writes,
// nearly) is as wide as its bytes, and any other is counted by hclwrite itself (Tokens.Columns).
// FuzzFormatTokens checks that the result equals hclwrite's on random token sequences.
func formatTokens(tokens hclwrite.Tokens) {
	lines := formatLines(tokens)
	formatIndent(lines)
	formatSpaces(lines)
	formatCells(lines)
}

// fmtLine is one line split into hclwrite's three cells: lead, then assign (from a `=` whose
// right-hand side closes on the line), then a trailing comment.
type fmtLine struct {
	lead, assign, comment hclwrite.Tokens
}

// columns is hclwrite's Tokens.Columns: spaces before each token plus its grapheme clusters.
func columns(ts hclwrite.Tokens) int {
	n := 0
	for _, t := range ts {
		n += t.SpacesBefore + width(t.Bytes)
	}
	return n
}

// width is the number of grapheme clusters in b. In ASCII every byte is a cluster of its own except
// CR LF, which is one (Unicode's rule GB3): so a token without '\r' or a non-ASCII byte is as wide as
// its length, and hclwrite counts the others.
func width(b []byte) int {
	for _, c := range b {
		if c >= utf8.RuneSelf || c == '\r' {
			return hclwrite.Tokens{{Bytes: b}}.Columns()
		}
	}
	return len(b)
}

func formatLines(tokens hclwrite.Tokens) []fmtLine {
	if len(tokens) == 0 {
		return nil
	}
	count := 1
	for _, t := range tokens {
		if isNewline(t) {
			count++
		}
	}
	lines := make([]fmtLine, count)
	li, start := 0, 0
	for i, t := range tokens {
		if t.Type == hclsyntax.TokenEOF {
			lines[li].lead = tokens[start:i]
			break
		}
		if isNewline(t) {
			lines[li].lead = tokens[start : i+1]
			start = i + 1
			li++
		}
	}
	// As hclwrite does: what follows the last newline (an EOF included, and anything after it) is the
	// last line, without a final EOF.
	if start < len(tokens) {
		lines[li].lead = tokens[start:]
		if lines[li].lead[len(lines[li].lead)-1].Type == hclsyntax.TokenEOF {
			lines[li].lead = lines[li].lead[:len(lines[li].lead)-1]
		}
	}
	for i := range lines {
		line := &lines[i]
		if len(line.lead) == 0 {
			continue
		}
		if len(line.lead) > 1 && line.lead[len(line.lead)-1].Type == hclsyntax.TokenComment {
			line.comment = line.lead[len(line.lead)-1:]
			line.lead = line.lead[:len(line.lead)-1]
		}
		for j, t := range line.lead {
			if j > 0 && t.Type == hclsyntax.TokenEqual {
				// An assignment cell only when the right-hand side closes every bracket it opens.
				net := 0
				for _, u := range line.lead[j:] {
					net += bracketChange(u)
				}
				if net == 0 {
					line.assign = line.lead[j:]
					line.lead = line.lead[:j]
				}
				break
			}
		}
	}
	return lines
}

// isNewline: a newline, or a single-line comment, which holds its own.
func isNewline(t *hclwrite.Token) bool {
	switch t.Type {
	case hclsyntax.TokenNewline:
		return true
	case hclsyntax.TokenComment:
		return len(t.Bytes) > 0 && t.Bytes[len(t.Bytes)-1] == '\n'
	}
	return false
}

func bracketChange(t *hclwrite.Token) int {
	switch t.Type {
	case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenTemplateControl, hclsyntax.TokenTemplateInterp:
		return 1
	case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenTemplateSeqEnd:
		return -1
	}
	return 0
}

// formatIndent indents each line by two spaces a level: a line that opens more brackets than it
// closes opens a level, and closing pops the levels it opened (a stack, so unbalanced lines stay sane).
func formatIndent(lines []fmtLine) {
	var buf [10]int
	indents := buf[:0]
	for i := range lines {
		line := &lines[i]
		if len(line.lead) == 0 {
			continue
		}
		if line.lead[0].Type == hclsyntax.TokenNewline {
			line.lead[0].SpacesBefore = 0
			continue
		}
		net := 0
		for _, t := range line.lead {
			net += bracketChange(t)
			if t.Type == hclsyntax.TokenOHeredoc {
				break
			}
		}
		for _, t := range line.assign {
			net += bracketChange(t)
		}
		switch {
		case net > 0:
			line.lead[0].SpacesBefore = 2 * len(indents)
			indents = append(indents, net)
		case net < 0:
			closed := -net
			for closed > 0 && len(indents) > 0 {
				top := indents[len(indents)-1]
				switch {
				case closed > top:
					closed -= top
					indents = indents[:len(indents)-1]
				case closed < top:
					indents[len(indents)-1] -= closed
					closed = 0
				default:
					indents = indents[:len(indents)-1]
					closed = 0
				}
			}
			line.lead[0].SpacesBefore = 2 * len(indents)
		default:
			line.lead[0].SpacesBefore = 2 * len(indents)
		}
	}
}

// nilToken stands for "no token before" (hclwrite's placeholder); it is only read.
var nilToken = &hclwrite.Token{Type: hclsyntax.TokenNil, Bytes: []byte{}}

func formatSpaces(lines []fmtLine) {
	for _, line := range lines {
		spaceCell(line.lead, false)
		spaceCell(line.assign, true)
	}
}

// spaceCell sets the space between each pair of neighbours in a cell; an assign cell's first token
// (the `=`) gets one space before it.
func spaceCell(cell hclwrite.Tokens, assign bool) {
	for i, t := range cell {
		if assign && i == 0 {
			t.SpacesBefore = 1
		}
		if i == len(cell)-1 {
			continue
		}
		before := nilToken
		if i > 0 {
			before = cell[i-1]
		}
		after := cell[i+1]
		if spaceAfter(t, before, after) {
			after.SpacesBefore = 1
		} else {
			after.SpacesBefore = 0
		}
	}
}

// spaceAfter reports whether subject is followed by a space, given its neighbours: hclwrite's rules
// (spaceAfterToken), in its order.
func spaceAfter(subject, before, after *hclwrite.Token) bool {
	s, a := subject.Type, after.Type
	switch {
	case a == hclsyntax.TokenNewline || a == hclsyntax.TokenNil:
		return false
	case s == hclsyntax.TokenIdent && a == hclsyntax.TokenOParen:
		return false
	case (s == hclsyntax.TokenIdent && a == hclsyntax.TokenDoubleColon) ||
		(s == hclsyntax.TokenDoubleColon && a == hclsyntax.TokenIdent):
		return false
	case s == hclsyntax.TokenDot || a == hclsyntax.TokenDot:
		return false
	case a == hclsyntax.TokenComma || a == hclsyntax.TokenEllipsis:
		return false
	case s == hclsyntax.TokenComma:
		return true
	case s == hclsyntax.TokenQuotedLit || s == hclsyntax.TokenStringLit || s == hclsyntax.TokenOQuote || s == hclsyntax.TokenOHeredoc ||
		a == hclsyntax.TokenQuotedLit || a == hclsyntax.TokenStringLit || a == hclsyntax.TokenCQuote || a == hclsyntax.TokenCHeredoc:
		return false
	case s == hclsyntax.TokenIdent && string(subject.Bytes) == "in" && before.Type == hclsyntax.TokenIdent:
		return true // the keyword of a for expression: [for x in [foo]: x]
	case a == hclsyntax.TokenOBrack && (s == hclsyntax.TokenIdent || s == hclsyntax.TokenNumberLit || bracketChange(subject) < 0):
		return false
	case s == hclsyntax.TokenBang:
		return false
	case s == hclsyntax.TokenMinus:
		// A negation (no space) unless what comes before can end an expression.
		switch before.Type {
		case hclsyntax.TokenNil,
			hclsyntax.TokenOParen, hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenEqual, hclsyntax.TokenColon, hclsyntax.TokenComma, hclsyntax.TokenQuestion,
			hclsyntax.TokenPlus, hclsyntax.TokenStar, hclsyntax.TokenSlash, hclsyntax.TokenPercent, hclsyntax.TokenMinus,
			hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq, hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
			hclsyntax.TokenAnd, hclsyntax.TokenOr, hclsyntax.TokenBang:
			return false
		}
		return true
	case s == hclsyntax.TokenOBrace || a == hclsyntax.TokenCBrace:
		return !(s == hclsyntax.TokenOBrace && a == hclsyntax.TokenCBrace) // {} stays closed
	case (s == hclsyntax.TokenTemplateInterp || s == hclsyntax.TokenTemplateControl) && a == hclsyntax.TokenOBrace:
		return true
	case s == hclsyntax.TokenCBrace && a == hclsyntax.TokenTemplateSeqEnd:
		return true
	case s == hclsyntax.TokenTemplateSeqEnd && (a == hclsyntax.TokenTemplateInterp || a == hclsyntax.TokenTemplateControl):
		return false
	case bracketChange(subject) > 0:
		return false
	case bracketChange(after) < 0:
		return false
	}
	return true
}

// formatCells aligns the `=` of consecutive lines that have an assign cell, then the comments of
// consecutive lines that have a comment cell (after the first pass, as hclwrite does).
func formatCells(lines []fmtLine) {
	start, widest := -1, 0
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && lines[i].assign != nil {
			if start == -1 {
				start = i
			}
			widest = max(widest, columns(lines[i].lead))
			continue
		}
		if start != -1 {
			for _, l := range lines[start:i] {
				l.assign[0].SpacesBefore = widest - columns(l.lead) + 1
			}
			start, widest = -1, 0
		}
	}
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && lines[i].comment != nil {
			if start == -1 {
				start = i
			}
			widest = max(widest, columns(lines[i].lead)+columns(lines[i].assign))
			continue
		}
		if start != -1 {
			for _, l := range lines[start:i] {
				l.comment[0].SpacesBefore = widest - (columns(l.lead) + columns(l.assign)) + 1
			}
			start, widest = -1, 0
		}
	}
}
