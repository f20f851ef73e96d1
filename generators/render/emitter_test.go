package render

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// outcome is what rendering gave: the text, or the error, or the panic.
type outcome struct {
	out    string
	err    string
	panics string
}

func catch(f func() ([]byte, error)) (o outcome) {
	defer func() {
		if r := recover(); r != nil {
			o.panics = fmt.Sprint(r)
		}
	}()
	out, err := f()
	if err != nil {
		o.err = err.Error()
		// Of several keys too long, the old path named one in map order, at random.
		if strings.HasPrefix(o.err, "a map key of ") {
			o.err = "a map key too long"
		}
		return o
	}
	o.out = string(out)
	return o
}

func emitJSON(data []byte) outcome {
	return catch(func() ([]byte, error) {
		e := &emitter{}
		if err := e.renderJSON(string(data)); err != nil {
			return nil, err
		}
		return e.out, nil
	})
}

// FuzzEmitter: the emitter renders any JSON text as the old path (generic tree, prune, sorted maps)
// did: the same text, the same error, the same panic.
func FuzzEmitter(f *testing.F) {
	for _, s := range []string{
		`{"kind":"Service","status":{"loadBalancer":{}},"spec":{"ports":[{"port":80}]},"metadata":{"creationTimestamp":null}}`,
		`{"status":{},"a":null,"b":[null]}`, `{"status":{"x":1}}`, `{"status":{"a":null},"kind":null}`, `{"status":"s","kind":"K"}`,
		`{"a":1,"a":null}`, `{"a":null,"a":2,"b":{"c":[],"d":{}}}`, `[[],[[1,{"x":"y","w":"on"}]],{}]`, `null`, `"yes"`, `-1.5e3`,
		`{"` + strings.Repeat("k", 999) + `":1}`, `{"` + strings.Repeat("k", 1001) + `":1}`, `{"` + strings.Repeat("\\u0001", 200) + `":1,"z":[null]}`, `{"a":[1,]}`, `{"\ud800":"\u2028"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := catch(func() ([]byte, error) { return referenceYAML(data) })
		if got := emitJSON(data); got != want {
			t.Fatalf("%q:\nemitter:  %+v\nold path: %+v", data, got, want)
		}
	})
}

// randomValue is a random JSON-able value: objects with keys that matter to pruning (status, kind)
// and tricky strings, repeated keys (a RawMessage), nulls, numbers, booleans, nested lists.
func randomValue(r *rand.Rand, depth int) any {
	keys := append([]string{"status", "kind", "status", "kind", "a", "b", "metadata", "spec", "Z", "é"}, tricky[:20]...)
	if depth > 4 {
		return tricky[r.IntN(len(tricky))]
	}
	switch r.IntN(12) {
	case 0, 1, 2:
		m := map[string]any{}
		for range r.IntN(6) {
			m[keys[r.IntN(len(keys))]] = randomValue(r, depth+1)
		}
		return m
	case 3, 4:
		l := make([]any, r.IntN(4))
		for i := range l {
			if l[i] = randomValue(r, depth+1); l[i] == nil && r.IntN(4) != 0 {
				l[i] = "x" // a null in a list panics both ways: now and then, not always
			}
		}
		return l
	case 5:
		// A repeated key: json.Marshal copies a RawMessage as it is.
		k := keys[r.IntN(len(keys))]
		a, _ := json.Marshal(randomValue(r, depth+1))
		b, _ := json.Marshal(randomValue(r, depth+1))
		return json.RawMessage(fmt.Sprintf(`{%q:%s,"m":1,%q:%s}`, k, a, k, b))
	case 6:
		return nil
	case 7:
		return r.IntN(2000) - 1000
	case 8:
		return r.Float64() * 1e6
	case 9:
		return r.IntN(2) == 0
	case 10:
		if r.IntN(50) == 0 {
			return map[string]any{strings.Repeat("k", 995+r.IntN(10)): 1}
		}
	}
	return tricky[r.IntN(len(tricky))]
}

// TestEmitterRandom renders 20,000 random values with YAML and the old path, and wants the same.
func TestEmitterRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 7))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		v := randomValue(r, 0)
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want := catch(func() ([]byte, error) { return referenceYAML(data) })
		if got := catch(func() ([]byte, error) { return YAML(v) }); got != want {
			t.Fatalf("%s:\nYAML:     %+v\nold path: %+v", data, got, want)
		}
	}
}

// FuzzQuote: appendQuote writes what the old quote wrote, for any string (invalid UTF-8 included).
func FuzzQuote(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Add("\xff\xfe\u0085\u00a0\ufffd\U0001F680\x7f")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := quote(s), refQuote(s); got != want {
			t.Fatalf("%q: quote %q, old quote %q", s, got, want)
		}
	})
}
