package generators

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
)

// encode is json.MarshalIndent(m, "", "  "), byte for byte (TestManifestEncode), written directly: the
// record of a platform holds tens of thousands of entries and is written twice a run, and the
// reflection of encoding/json was a fifth of a run that changes one service.
func (m Manifest) encode() []byte {
	b := make([]byte, 0, 128+len(m.Files)*400)
	b = append(b, "{\n  \"version\": "...)
	b = strconv.AppendInt(b, int64(m.Version), 10)
	if m.Gantry != "" {
		b = append(b, ",\n  \"gantry\": "...)
		b = appendString(b, m.Gantry)
	}
	b = append(b, ",\n  \"files\": "...)
	switch {
	case m.Files == nil:
		b = append(b, "null"...)
	case len(m.Files) == 0:
		b = append(b, "{}"...)
	default:
		b = append(b, "{\n"...)
		for i, p := range slices.Sorted(maps.Keys(m.Files)) {
			if i > 0 {
				b = append(b, ",\n"...)
			}
			e := m.Files[p]
			b = append(b, "    "...)
			b = appendString(b, p)
			b = append(b, ": {\n      \"sha256\": "...)
			b = appendString(b, e.SHA256)
			field := func(name, v string) {
				if v != "" {
					b = append(b, ",\n      \""+name+"\": "...)
					b = appendString(b, v)
				}
			}
			field("pending", e.Pending)
			b = append(b, ",\n      \"target\": "...)
			b = appendString(b, e.Target)
			field("env", e.Env)
			field("source", e.Source)
			field("platform", e.Platform)
			if e.Yours {
				b = append(b, ",\n      \"yours\": true"...)
			}
			b = append(b, "\n    }"...)
		}
		b = append(b, "\n  }"...)
	}
	if len(m.Platforms) > 0 {
		b = append(b, ",\n  \"platforms\": {\n"...)
		for i, name := range slices.Sorted(maps.Keys(m.Platforms)) {
			if i > 0 {
				b = append(b, ",\n"...)
			}
			b = append(b, "    "...)
			b = appendString(b, name)
			b = append(b, ": "...)
			switch members := m.Platforms[name]; {
			case members == nil:
				b = append(b, "null"...)
			case len(members) == 0:
				b = append(b, "[]"...)
			default:
				b = append(b, "[\n"...)
				for j, s := range members {
					if j > 0 {
						b = append(b, ",\n"...)
					}
					b = append(b, "      "...)
					b = appendString(b, s)
				}
				b = append(b, "\n    ]"...)
			}
		}
		b = append(b, "\n  }"...)
	}
	return append(b, "\n}"...)
}

// appendString appends s as encoding/json quotes it: printable ASCII other than the characters it
// escapes is copied; anything else goes through encoding/json itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
