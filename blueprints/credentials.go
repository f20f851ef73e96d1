package blueprints

import (
	"math"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The credential detector. A blueprint is committed and printed in CI logs, and its env values land in
// every generated manifest: a credential must never be in it. An env value is refused when
//
//  1. it has the shape of a well-known credential (credentialPatterns: the families gitleaks looks for,
//     a URL with a password, including an empty user (`https://:pw@host`) and a password holding '/', a
//     password, token, key or signature in a query string, an HTTP `Bearer`/`Basic` authorization value),
//     or holds a long random-looking word (isRandomLooking: 20+ characters, three character classes with
//     a digit, high entropy); or
//  2. its name ends in a credential word (credentialKeyRE: PASS, PASSWORD, PASSWD, PWD, SECRET, TOKEN,
//     KEY, APIKEY, CREDENTIAL(S), also in camelCase) and it is not empty, whatever the value: `SORT_KEY=name`
//     is refused too, rename such a variable (e.g. SORT_FIELD); or
//  3. its name holds a credential word anywhere (`DD_APP_KEY_ID`, `TOKEN_VALUE`) and the value is
//     key-shaped (keyShapedRE and base64RE: 16+ hex digits, a UUID, or a 16+ character base64 word mixing
//     upper case, lower case and digits), as Datadog, Heroku and many other APIs issue them.
//
// What stays allowed: any value under a plain name (`LOG_LEVEL=info`), and under a name that only holds a
// credential word a value that is not key-shaped (`PUBLIC_KEY_PATH=/etc/x`, `CACHE_KEY_PREFIX=orders`,
// `TOKEN_URL=https://auth.example.com/token`); lower-case hex and UUIDs under plain names (commit SHAs,
// checksums, tenant IDs; a UUID is not taken for a random token). Messages never print the value itself: redactValue shows at most its first four
// characters.
// They are compiled on first use, as every regexp of the package (lazyRegexp).
var credentialPatterns = sync.OnceValue(func() []credentialPattern {
	return []credentialPattern{
		{"an AWS access key ID", regexp.MustCompile(`\b(AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b`)},
		{"a GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})`)},
		{"a GitLab token", regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`)},
		{"a Slack token", regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`)},
		{"a Stripe key", regexp.MustCompile(`\b[rsp]k_(live|test)_[A-Za-z0-9]{16,}`)},
		{"a Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`)},
		{"a private key", regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY`)},
		{"a JSON Web Token", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.`)},
		{"a URL with a password", urlPasswordRE()},
		{"a credential in a URL query", queryCredentialRE()},
		{"an HTTP authorization value", authHeaderRE()},
	}
})

type credentialPattern struct {
	name string
	re   *regexp.Regexp
}

var (
	// urlPasswordRE is a URL whose userinfo has a password: the user may be empty and the password may
	// hold '/' (it runs to the '@'). A host:port followed by a path with an '@' in it is not one: see
	// urlPassword.
	urlPasswordRE = lazyRegexp(`[A-Za-z][A-Za-z0-9+.-]*://([^\s/:@]*):([^\s@]+)@`)
	// queryCredentialRE is a credential passed as a query parameter (?password=..., &access_token=...).
	queryCredentialRE = lazyRegexp(`(?i)[?&;](password|passwd|pwd|pass|secret|client_secret|token|access_token|auth_token|refresh_token|api_?key|apikey|access_key|sig|signature)=([^&#\s"']+)`)
	// authHeaderRE is an Authorization header's value; the credential must not be a plain word, so
	// "Basic configuration" is prose.
	authHeaderRE = lazyRegexp(`\b(Bearer|Basic|bearer|BEARER)\s+([A-Za-z0-9._~+/-]*[0-9._~+/-][A-Za-z0-9._~+/-]*=*)`)
	// portThenPathRE is what urlPasswordRE takes for a password in https://host:8443/p@x: a port and a path.
	portThenPathRE = lazyRegexp(`^[0-9]{1,5}/`)
)

var credentialWordRE = lazyRegexp(`[A-Za-z0-9+/=_-]{20,}`)

// looksLikeCredential reports whether s looks like a secret value rather than a name or a setting, and
// what it looks like.
func looksLikeCredential(s string) (string, bool) {
	for _, p := range credentialPatterns() {
		if p.re == urlPasswordRE() {
			if urlPassword(s) {
				return p.name, true
			}
			continue
		}
		if p.re.MatchString(s) {
			return p.name, true
		}
	}
	for _, w := range credentialWordRE().FindAllString(s, 8) {
		if isRandomLooking(w) {
			return "a random token (high entropy)", true
		}
	}
	return "", false
}

var uuidRE = lazyRegexp(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// urlPassword reports whether s holds a URL with a password in its userinfo.
func urlPassword(s string) bool {
	for _, m := range urlPasswordRE().FindAllStringSubmatch(s, 8) {
		if !portThenPathRE().MatchString(m[2]) {
			return true
		}
	}
	return false
}

// isRandomLooking is true for a long word with high entropy that mixes character classes, as generated
// keys and tokens do; names, paths and sentences do not.
func isRandomLooking(w string) bool {
	if len(w) < 20 || uuidRE().MatchString(w) { // a UUID is an identifier; under a credential name, rule 3
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

var (
	// credentialKeyRE: a variable name that ends in a credential word (rule 2).
	credentialKeyRE = lazyRegexp(`(^|_)(PASS|PASSWORD|PASSWD|SECRET|TOKEN|KEY|API_?KEY|CREDENTIALS?)$|_PWD$`)
	// credentialWordKeyRE: a variable name that holds a credential word anywhere (rule 3).
	credentialWordKeyRE = lazyRegexp(`(^|_)(PASS|PASSWORD|PASSWD|PWD|SECRET|TOKEN|KEY|APIKEY|CREDENTIALS?|AUTH)(_|$)`)
	// keyShapedRE: hex of 16+ digits or a UUID; base64RE: a base64 word of 16+ characters, which must
	// also mix upper case, lower case and digits (session_cookie_v2 is a name).
	keyShapedRE = lazyRegexp(`^([0-9a-fA-F]{16,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)
	base64RE    = lazyRegexp(`^[A-Za-z0-9+/_-]{16,}={0,2}$`)
)

// credentialKey reports whether an env var's name says it holds a credential whatever its value (rule 2).
func credentialKey(k string) bool {
	return credentialKeyRE().MatchString(envWords(k))
}

// keyShapedUnderCredentialName reports whether a value is key-shaped under a name that holds a credential
// word (rule 3).
func keyShapedUnderCredentialName(k, v string) bool {
	v = strings.TrimSpace(v)
	if !credentialWordKeyRE().MatchString(envWords(k)) {
		return false
	}
	var upper, lower, digit bool
	for _, r := range v {
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
		digit = digit || unicode.IsDigit(r)
	}
	switch {
	case keyShapedRE().MatchString(v):
		return digit // hex without a digit is a word ("facade")
	case base64RE().MatchString(v):
		return upper && lower && digit
	}
	return false
}

// envWords upper-cases a variable name with its words separated by '_': dbPassword and DB_PASSWORD
// and db-password read alike.
func envWords(k string) string {
	var b strings.Builder
	var prev rune
	for _, r := range strings.TrimSpace(k) {
		switch {
		case r == '-' || r == '.':
			r = '_'
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
		prev = r
	}
	return b.String()
}

// redactValue shows a value in a message without giving it away: its first four characters when it is
// long enough that they reveal little (16 or more), else nothing.
func redactValue(v string) string {
	if utf8.RuneCountInString(v) < 16 {
		return "[redacted]"
	}
	return `"` + string([]rune(v)[:4]) + `…"`
}

// redactWord replaces a credential found inside a message: its first four characters, then "…".
func redactWord(w string) string {
	r := []rune(w)
	if len(r) < 12 {
		return "[redacted]"
	}
	return string(r[:4]) + "…"
}

// RedactCredentials replaces what looks like a credential in a text (a URL's userinfo, a query
// parameter's or authorization header's credential, a known token shape, a random-looking word) with a
// redacted form. It is idempotent: a redacted text is left as it is. A word with a '/' is taken for a
// path and not judged by its entropy (temporary folders such as TestX2964339027 look random), only by
// the known shapes.
func RedactCredentials(s string) string {
	return credentialWordRE().ReplaceAllStringFunc(redactKnownCredentials(s), func(w string) string {
		if !strings.Contains(w, "/") && isRandomLooking(w) {
			return redactWord(w)
		}
		return w
	})
}

// redactKnownCredentials is RedactCredentials without the entropy rule: for file paths, which must stay
// usable (an annotation's file=) unless they hold a known credential shape.
func redactKnownCredentials(s string) string {
	s = urlUserinfoRE().ReplaceAllStringFunc(s, func(m string) string {
		sub := urlUserinfoRE().FindStringSubmatch(m)
		user, pass, hasPass := sub[3], sub[4], strings.Contains(sub[2], ":")
		if (hasPass && portThenPathRE().MatchString(pass)) || (!hasPass && !isCredentialWord(user)) {
			return m // host:port/path@x, or a plain user name such as git@
		}
		return sub[1] + "[redacted]@"
	})
	s = queryCredentialRE().ReplaceAllStringFunc(s, func(m string) string {
		k, _, _ := strings.Cut(m, "=")
		return k + "=[redacted]"
	})
	s = authHeaderRE().ReplaceAllStringFunc(s, func(m string) string {
		scheme, _, _ := strings.Cut(m, " ")
		return scheme + " [redacted]"
	})
	for _, p := range credentialPatterns() {
		switch p.re {
		case urlPasswordRE(), queryCredentialRE(), authHeaderRE():
			continue
		}
		s = p.re.ReplaceAllStringFunc(s, redactWord)
	}
	return s
}

// urlUserinfoRE is a URL's scheme and userinfo: [1] scheme://, [2] the userinfo, [3] the user, [4] what
// follows its first ':' (a password, or a port and path).
var urlUserinfoRE = lazyRegexp(`([A-Za-z][A-Za-z0-9+.-]*://)(([^\s/:@]*)(?::([^\s@]*))?)@`)

func isCredentialWord(w string) bool {
	_, ok := looksLikeCredential(w)
	return ok || len(w) >= 16
}
