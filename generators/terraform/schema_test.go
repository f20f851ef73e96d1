package terraform_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/internal/checkers"
)

// The subset of `terraform providers schema -json` the check reads; hack/provider-schemas.sh writes a
// filtered copy per provider into testdata/schemas/<provider>.json.
type schemaFile struct {
	ProviderSchemas map[string]struct {
		Provider          schemaBlockWrap            `json:"provider"`
		ResourceSchemas   map[string]schemaBlockWrap `json:"resource_schemas"`
		DataSourceSchemas map[string]schemaBlockWrap `json:"data_source_schemas"`
		EphemeralSchemas  map[string]schemaBlockWrap `json:"ephemeral_resource_schemas"`
	} `json:"provider_schemas"`
}

type schemaBlockWrap struct {
	Block schemaBlock `json:"block"`
}

type schemaBlock struct {
	Attributes map[string]struct {
		Required   bool `json:"required"`
		Optional   bool `json:"optional"`
		Computed   bool `json:"computed"`
		Deprecated bool `json:"deprecated"`
	} `json:"attributes"`
	BlockTypes map[string]struct {
		Block    schemaBlock `json:"block"`
		MinItems int         `json:"min_items"`
	} `json:"block_types"`
	Deprecated bool `json:"deprecated"`
}

// metaArguments are Terraform's own, valid in every resource.
var metaArguments = []string{"count", "for_each", "depends_on", "provider", "lifecycle"}

// TestProviderSchemas checks every resource, data source and ephemeral resource Gantry emits against
// the provider's own schema, as `terraform validate` would: unknown attributes and blocks, attributes
// only the provider may set, missing required ones, and anything the provider marks deprecated.
func TestProviderSchemas(t *testing.T) {
	t.Logf("checked %d blocks against the provider schemas", checkSchemas(t, generate(t)))
}

// loadSchemas reads the committed provider schemas once per test binary (tens of thousands of lines of
// JSON; the property test checks against them per cloud), by type prefix (aws_).
var loadSchemas = sync.OnceValues(func() (map[string]*schemaFile, error) {
	schemas := map[string]*schemaFile{}
	for _, p := range checkers.TerraformProviders {
		data, err := os.ReadFile(filepath.Join("testdata", "schemas", p+".json"))
		if err != nil { // all are committed: hack/provider-schemas.sh writes them
			return nil, err
		}
		var s schemaFile
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("%s.json: %w", p, err)
		}
		schemas[p+"_"] = &s
	}
	return schemas, nil
})

// checkSchemas checks every block of the files against the committed provider schemas and returns how
// many it checked.
func checkSchemas(t *testing.T, files []generators.File) int {
	t.Helper()
	schemas, err := loadSchemas()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".tf") {
			continue
		}
		file, diags := hclsyntax.ParseConfig(f.Data, f.Path, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		for _, b := range file.Body.(*hclsyntax.Body).Blocks {
			if b.Type != "resource" && b.Type != "data" && b.Type != "ephemeral" && b.Type != "provider" {
				continue
			}
			typ := b.Labels[0]
			prefix := typ[:strings.Index(typ, "_")+1]
			if b.Type == "provider" { // its configuration (the azurerm provider's pinned subscription_id, say)
				prefix = typ + "_"
			}
			s := schemas[prefix]
			if s == nil {
				t.Errorf("%s: %s %s: no committed schema for its provider (add it to hack/provider-schemas.sh)", f.Path, b.Type, strings.Join(b.Labels, "."))
				continue
			}
			var block *schemaBlock
			for _, ps := range s.ProviderSchemas {
				if b.Type == "provider" {
					block = &ps.Provider.Block
					continue
				}
				m := map[string]map[string]schemaBlockWrap{"resource": ps.ResourceSchemas, "data": ps.DataSourceSchemas, "ephemeral": ps.EphemeralSchemas}[b.Type]
				if w, ok := m[typ]; ok {
					block = &w.Block
				}
			}
			where := fmt.Sprintf("%s: %s %s", f.Path, b.Type, strings.Join(b.Labels, "."))
			if block == nil {
				t.Errorf("%s: the provider has no %s %s (or testdata/schemas/types.txt does not list it)", where, b.Type, typ)
				continue
			}
			checked++
			checkBlock(t, where, b.Body, block, true)
		}
	}
	return checked
}

// reporter is the part of testing.T checkBlock uses, so a test can check the checker.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

func checkBlock(t reporter, where string, body *hclsyntax.Body, s *schemaBlock, top bool) {
	t.Helper()
	if s.Deprecated {
		t.Errorf("%s: deprecated", where)
	}
	for name := range body.Attributes {
		a, ok := s.Attributes[name]
		switch {
		case top && slices.Contains(metaArguments, name):
		case !ok:
			t.Errorf("%s: unknown attribute %s", where, name)
		case a.Computed && !a.Optional && !a.Required:
			t.Errorf("%s: %s is set by the provider, not the configuration", where, name)
		case a.Deprecated:
			t.Errorf("%s: %s is deprecated", where, name)
		}
	}
	for name, a := range s.Attributes {
		if _, set := body.Attributes[name]; a.Required && !set {
			t.Errorf("%s: required attribute %s is missing", where, name)
		}
	}
	seen := map[string]bool{}
	for _, nb := range body.Blocks {
		name := nb.Type
		if name == "dynamic" && len(nb.Labels) == 1 {
			name = nb.Labels[0]
			for _, c := range nb.Body.Blocks {
				if c.Type == "content" {
					nb = c
				}
			}
		}
		if top && name == "lifecycle" {
			continue
		}
		seen[name] = true
		bt, ok := s.BlockTypes[name]
		if !ok {
			t.Errorf("%s: unknown block %s", where, name)
			continue
		}
		checkBlock(t, where+" > "+name, nb.Body, &bt.Block, false)
	}
	for name, bt := range s.BlockTypes {
		if bt.MinItems > 0 && !seen[name] {
			t.Errorf("%s: required block %s is missing", where, name)
		}
	}
}

type collected struct{ msgs []string }

func (c *collected) Helper() {}
func (c *collected) Errorf(format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}

// TestSchemaCheckerCatchesMistakes proves the checker fails on each kind of mistake.
func TestSchemaCheckerCatchesMistakes(t *testing.T) {
	var s schemaBlock
	if err := json.Unmarshal([]byte(`{
  "attributes": {
    "name": {"required": true}, "arn": {"computed": true}, "old": {"optional": true, "deprecated": true},
    "size": {"optional": true}
  },
  "block_types": {"rule": {"min_items": 1, "block": {"attributes": {"x": {"optional": true}}}}}
}`), &s); err != nil {
		t.Fatal(err)
	}
	src := `resource "t" "n" {
  arn   = "x"
  old   = 1
  typo  = 2
  count = 1
  extra {
  }
}
`
	file, diags := hclsyntax.ParseConfig([]byte(src), "t.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var c collected
	checkBlock(&c, "t", file.Body.(*hclsyntax.Body).Blocks[0].Body, &s, true)
	slices.Sort(c.msgs)
	want := []string{
		"t: arn is set by the provider, not the configuration",
		"t: old is deprecated",
		"t: required attribute name is missing",
		"t: required block rule is missing",
		"t: unknown attribute typo",
		"t: unknown block extra",
	}
	if !slices.Equal(c.msgs, want) {
		t.Errorf("got %q\nwant %q", c.msgs, want)
	}
}
