// Command tfschema cuts the output of `terraform providers schema -json` down to the resource,
// data-source and ephemeral-resource types a list names, for one provider, and writes it as a
// deterministic, pretty-printed JSON document that still parses as terraform-json's
// ProviderSchemas (format_version + provider_schemas), plus a "gantry" object that records where
// it came from (provider version, Go module version, commit, release, terraform version) and the
// listed types that the provider does not have.
//
// The types file has one type per line: `aws_s3_bucket` is a resource type, `data.aws_iam_policy_document`
// a data source, `ephemeral.aws_secretsmanager_random_password` an ephemeral resource. Blank lines and
// text after `#` are ignored. Only the lines whose type starts with the provider's prefix (the
// provider's type name and "_", e.g. "aws_") are taken; the provider's configuration schema is
// always kept.
//
// Keys are sorted (encoding/json sorts map keys), numbers are copied as written, HTML characters
// are not escaped and the file ends with a newline, so the same input always gives the same bytes.
//
// Usage:
//
//	tfschema -in raw.json -types types.txt -provider registry.terraform.io/hashicorp/aws \
//	  -meta provider_version=6.47.0 -meta commit=... -out aws.json
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
)

type object = map[string]any

// kinds maps a types-file prefix to the provider schema key that holds those types.
var kinds = []struct{ prefix, key string }{
	{"data.", "data_source_schemas"},
	{"ephemeral.", "ephemeral_resource_schemas"},
	{"", "resource_schemas"},
}

type metaFlags []string

func (m *metaFlags) String() string     { return strings.Join(*m, ",") }
func (m *metaFlags) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	in := flag.String("in", "", "output of `terraform providers schema -json` (required)")
	typesFile := flag.String("types", "", "file listing the types to keep (required)")
	provider := flag.String("provider", "", "provider source address, e.g. registry.terraform.io/hashicorp/aws (required)")
	out := flag.String("out", "", "file to write (default stdout)")
	strict := flag.Bool("strict", false, "fail if a listed type of this provider is missing")
	var meta metaFlags
	flag.Var(&meta, "meta", "key=value recorded under \"gantry\" (repeatable)")
	flag.Parse()
	if *in == "" || *typesFile == "" || *provider == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	missing, err := run(*in, *typesFile, *provider, *out, meta)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tfschema:", err)
		os.Exit(1)
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "tfschema: %s has no %s\n", *provider, strings.Join(missing, ", "))
		if *strict {
			os.Exit(1)
		}
	}
}

func run(in, typesFile, provider, out string, meta []string) ([]string, error) {
	raw, err := os.ReadFile(in)
	if err != nil {
		return nil, err
	}
	var doc object
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", in, err)
	}
	schemas, _ := doc["provider_schemas"].(object)
	ps, ok := schemas[provider].(object)
	if !ok {
		var have []string
		for k := range schemas {
			have = append(have, k)
		}
		slices.Sort(have)
		return nil, fmt.Errorf("%s has no schema for %s (it has: %s)", in, provider, strings.Join(have, ", "))
	}
	wanted, err := readTypes(typesFile, path.Base(provider)+"_")
	if err != nil {
		return nil, err
	}

	kept := object{"provider": ps["provider"]}
	var missing []string
	counts := object{}
	for _, k := range kinds {
		all, _ := ps[k.key].(object)
		sel := object{}
		for _, line := range wanted {
			name, isKind := strings.CutPrefix(line, k.prefix)
			if !isKind || (k.prefix == "" && strings.Contains(line, ".")) {
				continue
			}
			if s, ok := all[name]; ok {
				sel[name] = s
			} else {
				missing = append(missing, line)
			}
		}
		kept[k.key] = sel
		counts[k.key] = len(sel)
	}
	slices.Sort(missing)

	g := object{"types": counts, "missing": append([]string{}, missing...)}
	for _, kv := range meta {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("-meta %q is not key=value", kv)
		}
		g[k] = v
	}
	g["provider"] = provider
	result := object{
		"format_version":   doc["format_version"],
		"gantry":           g,
		"provider_schemas": object{provider: kept},
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(result); err != nil {
		return nil, err
	}
	if out == "" {
		_, err = os.Stdout.Write(buf.Bytes())
		return missing, err
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return missing, os.Rename(tmp, out)
}

// readTypes returns the lines of the types file that belong to the provider whose types start
// with prefix, deduplicated, in file order.
func readTypes(file, prefix string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.ContainsAny(line, " \t") {
			return nil, fmt.Errorf("%s:%d: one type per line: %q", file, n, line)
		}
		name := line
		for _, k := range kinds {
			if k.prefix != "" {
				name = strings.TrimPrefix(name, k.prefix)
			}
		}
		if !strings.HasPrefix(name, prefix) || seen[line] {
			continue
		}
		seen[line] = true
		lines = append(lines, line)
	}
	return lines, sc.Err()
}
