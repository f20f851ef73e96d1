package docs

import (
	"strings"
	"unicode"
)

// Text is s as literal inline Markdown (GitHub-flavoured), safe in a table cell: line breaks and other
// control characters become spaces (a cell is one line), the characters that start emphasis, code,
// links, images, raw HTML, strikethrough or a cell boundary are escaped, so the reader sees s as
// written; so are the ':' of "://", the '.' of "www." and every '@', which GFM would turn into links.
func Text(s string) string {
	var sb strings.Builder
	for i, r := range s {
		switch {
		case r == ':' && strings.HasPrefix(s[i+1:], "//"), r == '@',
			r == '.' && i >= 3 && strings.EqualFold(s[i-3:i], "www"):
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			sb.WriteByte(' ')
		case r == '<':
			sb.WriteString("&lt;")
		case r == '>':
			sb.WriteString("&gt;")
		case r == '&':
			sb.WriteString("&amp;")
		case r < unicode.MaxASCII && strings.ContainsRune("\\`*_[]|~!#", r):
			sb.WriteByte('\\')
			sb.WriteRune(r)
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// Code is s as an inline code span, safe in a table cell: a fence longer than any run of backticks in
// s, padded when s starts or ends with one (CommonMark strips one space each side), and '|' escaped
// (GitHub splits a table row on it before it parses code spans).
func Code(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.Trim(s, " ") != "") {
		s = " " + s + " "
	}
	return fence + s + fence
}
