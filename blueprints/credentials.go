package blueprints

import (
	"math"
	"regexp"
	"strings"
)

// credentialPatterns are the shapes of well-known credentials (the same families gitleaks looks for).
// A blueprint is committed and printed in CI logs: a value of these shapes must never be in it.
var credentialPatterns = []struct {
	name string
	re   *regexp.Regexp
}{
	{"an AWS access key ID", regexp.MustCompile(`\b(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`)},
	{"a GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})`)},
	{"a GitLab token", regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`)},
	{"a Stripe key", regexp.MustCompile(`\b[rsp]k_(live|test)_[A-Za-z0-9]{16,}`)},
	{"a Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`)},
	{"a private key", regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY`)},
	{"a JSON Web Token", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.`)},
	{"a URL with a password", regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`)},
}

var credentialWordRE = regexp.MustCompile(`[A-Za-z0-9+/=_-]{20,}`)

// looksLikeCredential reports whether s looks like a secret value rather than a name or a setting, and
// what it looks like.
func looksLikeCredential(s string) (string, bool) {
	for _, p := range credentialPatterns {
		if p.re.MatchString(s) {
			return p.name, true
		}
	}
	for _, w := range credentialWordRE.FindAllString(s, 8) {
		if isRandomLooking(w) {
			return "a random token (high entropy)", true
		}
	}
	return "", false
}

// isRandomLooking is true for a long word with high entropy that mixes character classes, as generated
// keys and tokens do; names, paths and sentences do not.
func isRandomLooking(w string) bool {
	if len(w) < 20 {
		return false
	}
	var lower, upper, digit, other bool
	for _, r := range w {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	return classes >= 3 && digit && shannon(w) >= 4.0
}

func shannon(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	var h float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

var credentialKeyRE = regexp.MustCompile(`(?i)(^|_)(PASSWORD|PASSWD|SECRET|SECRET_KEY|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)$`)

// credentialKey reports whether an env var's name says it holds a credential.
func credentialKey(k string) bool {
	return credentialKeyRE.MatchString(strings.TrimSpace(k))
}
