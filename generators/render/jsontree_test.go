package render

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func stdTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errTree
	}
	// Decode stops after one value; anything but space after it is an error for decodeTree.
	rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")
	if len(rest) > 0 {
		return nil, errTree
	}
	return v, nil
}

// FuzzDecodeTree: decodeTree accepts what encoding/json accepts and gives the same tree.
func FuzzDecodeTree(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[true,false,null],"c":{"d":"e\u003cf\"g\\h\n"},"n":-1.5e+10}`,
		`[]`, `{}`, `"ünï"`, `"\ud83d\ude00"`, `"\ud800"`, `0`, `-0`, `1e5`, `{"a":1,"a":2}`, "\"\xff\"",
		`[1,]`, `{"a" 1}`, `01`, `1.`, `"\x"`, ` [ 1 , 2 ] `, `nul`, `[1] x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := stdTree(data)
		got, gotErr := decodeTree(data)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%q: encoding/json error %v, decodeTree error %v", data, wantErr, gotErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decodeTree %#v, encoding/json %#v", data, got, want)
		}
	})
}

func BenchmarkDecodeTree(b *testing.B) {
	data, _ := json.Marshal(map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "payments", "labels": map[string]string{"app": "payments", "team": "billing"}},
		"spec": map[string]any{"replicas": 2, "template": map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "payments", "image": "ghcr.io/acme/payments:1@sha256:abc", "ports": []any{map[string]any{"containerPort": 8080}}},
		}}}}})
	b.Run("tree", func(b *testing.B) {
		var t tree
		for b.Loop() {
			t.parse(string(data))
		}
	})
	b.Run("decodeTree", func(b *testing.B) {
		for b.Loop() {
			decodeTree(data)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			stdTree(data)
		}
	})
}
