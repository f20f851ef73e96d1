package terraform

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"go.yaml.in/yaml/v3"

	"github.com/gantry-dev/gantry/blueprints"
	"github.com/gantry-dev/gantry/blueprints/catalog"
	"github.com/gantry-dev/gantry/generators"
	"github.com/gantry-dev/gantry/generators/kubernetes"
)

// The fictional dependency type "search": all a new type takes is this catalogue row and the three
// writers below, in this one file. No other file of the repository names it.
var searchRow = catalog.Dependency{
	Type:     "search",
	Settings: []string{"HOST", "PORT"},
	Ports:    map[string][]int32{"": {9200}},
	Sizes: map[string]map[string]string{
		"aws": {"small": "t3.small.search", "medium": "m7g.large.search", "large": "r7g.xlarge.search"},
	},
}

var searchWriters = map[string]writer{
	"aws": {write: func(m *module, f *file, d blueprints.Dependency) settings {
		l := label(d.Name)
		(&aws{}).securityGroup(f, d.Name, 9200)
		s := f.resource("aws_opensearch_domain", l)
		s.tokens("domain_name", call("substr", named("-"+d.Name), number(0), number(28)))
		c := s.block("cluster_config")
		c.str("instance_type", size("aws", d.Type, d.Size))
		c.expr("zone_awareness_enabled", "local.production")
		v := s.block("vpc_options")
		v.expr("subnet_ids", "var.private_subnet_ids")
		v.tokens("security_group_ids", tuple(ref("aws_security_group", l, "id")))
		e := s.block("encrypt_at_rest")
		e.boolean("enabled", true)
		e.expr("kms_key_id", "aws_kms_key.this.arn")
		s.tags(named("-" + d.Name))
		m.grant("Search"+statementID(d.Name), []string{"es:ESHttpGet", "es:ESHttpPost"}, template(ref("aws_opensearch_domain", l, "arn"), "/*"))
		return settings{"HOST": ref("aws_opensearch_domain", l, "endpoint"), "PORT": lit("9200")}
	}},
	"gcp": {write: func(m *module, f *file, d blueprints.Dependency) settings {
		l := label(d.Name)
		s := f.resource("google_vertex_ai_index_endpoint", l)
		s.tokens("display_name", named("-"+d.Name))
		s.expr("region", "var.region")
		s.expr("network", "var.network_id")
		s.block("encryption_spec").expr("kms_key_name", "google_kms_crypto_key.this.id")
		s.expr("labels", "local.labels")
		return settings{"HOST": ref("google_vertex_ai_index_endpoint", l, "public_endpoint_domain_name"), "PORT": lit("9200")}
	}, shared: (&gcp{}).agent("gcp-sa-aiplatform")},
	"azure": {write: func(m *module, f *file, d blueprints.Dependency) settings {
		l := label(d.Name)
		s := f.resource("azurerm_search_service", l)
		s.tokens("name", named("-"+d.Name+"-", ref("local", "unique")))
		s.expr("location", "var.location")
		s.expr("resource_group_name", "var.resource_group_name")
		s.expr("sku", `local.production ? "standard" : "basic"`)
		s.boolean("public_network_access_enabled", false)
		s.boolean("local_authentication_enabled", false)
		s.expr("tags", "local.tags")
		(&azure{}).privateEndpoint(f, l, ref("azurerm_search_service", l, "id"), "searchService")
		(&azure{}).role(f, l, ref("azurerm_search_service", l, "id"), "Search Index Data Contributor")
		return settings{"HOST": template(ref("azurerm_search_service", l, "name"), ".search.windows.net"), "PORT": lit("9200")}
	}},
}

// searchBlueprints is a repository with one platform on a cloud and a service with a search index.
func searchBlueprints(cloud string) fstest.MapFS {
	clouds := map[string]string{
		"aws":   "{provider: aws, region: eu-west-1}",
		"gcp":   "{provider: gcp, region: europe-west1, project: acme-search}",
		"azure": "{provider: azure, region: westeurope}",
	}
	return fstest.MapFS{
		"repo/.git/HEAD": {Data: []byte("ref: refs/heads/main\n")},
		"repo/blueprints/platform.yaml": {Data: []byte("apiVersion: gantry.dev/v1\nkind: Platform\nmetadata: {name: acme}\n" +
			"spec: {environments: [dev, prod], cloud: " + clouds[cloud] + "}\n")},
		"repo/blueprints/core/finder.yaml": {Data: []byte("apiVersion: gantry.dev/v1\nkind: Service\nmetadata: {name: finder, team: core}\n" +
			"spec: {runtime: go, type: web, port: 8080, dependencies: [{name: products-index, type: search, size: small}]}\n")},
	}
}

func loadSearch(cloud string) (*blueprints.Resolved, blueprints.Diagnostics) {
	return blueprints.Load(blueprints.LoadOptions{FS: searchBlueprints(cloud), Paths: []string{"repo/blueprints"}})
}

// TestFictionalDependencyType adds a dependency type that does not exist (one catalogue row, a writer
// per cloud) and shows that validation, the JSON Schema, the docs, the Kubernetes wiring and the
// Terraform of all three clouds take it up with no other change. Before the row is added, each of
// them refuses it or does not know it: the test can fail.
func TestFictionalDependencyType(t *testing.T) {
	if _, diags := loadSearch("aws"); !diags.HasErrors(false) || !strings.Contains(fmt.Sprint(diags), "spec.dependencies[0].type") {
		t.Fatalf("without the row, a search dependency should be refused at its type; diagnostics: %v", diags)
	}
	if strings.Contains(string(blueprints.JSONSchema()), `"search"`) || strings.Contains(string(blueprints.ReferenceMarkdown()), "`search`") {
		t.Fatal("the schema or the docs name search before the row is added")
	}
	defer catalog.AddForTest(searchRow)()
	defer addWriterForTest("search", searchWriters)()

	if !schemaTypeEnum(t, blueprints.JSONSchema()) {
		t.Error("JSON Schema: spec.dependencies[].type does not allow search")
	}
	if docs := string(blueprints.ReferenceMarkdown()); !strings.Contains(docs, "`kafka`, `search` |") {
		t.Error("docs/blueprint.md: spec.dependencies[].type does not list search")
	}
	for _, cloud := range catalog.Clouds {
		t.Run(cloud, func(t *testing.T) {
			res, diags := loadSearch(cloud)
			if len(diags) > 0 {
				t.Fatalf("the blueprint does not validate: %v", diags)
			}
			p := res.Platforms[0]
			s := p.Services[0]
			k8s, err := kubernetes.New().Generate(p, s)
			if err != nil {
				t.Fatal(err)
			}
			checkSearchKubernetes(t, k8s)
			tf, err := New().Generate(p, s)
			if err != nil {
				t.Fatal(err)
			}
			checkSearchTerraform(t, cloud, tf)
		})
	}
}

// schemaTypeEnum reports whether the schema's dependency type enum holds search (wherever the
// schema defines it: any "type" property with an enum holding postgres).
func schemaTypeEnum(t *testing.T, schema []byte) bool {
	var doc any
	if err := json.Unmarshal(schema, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if e, ok := v["enum"].([]any); ok && slices.Contains(e, any("postgres")) {
				found = found || slices.Contains(e, any("search"))
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return found
}

// checkSearchKubernetes: the workload reads SEARCH settings from the dependencies' ConfigMap and its
// NetworkPolicy lets it out to the row's port.
func checkSearchKubernetes(t *testing.T, files []generators.File) {
	t.Helper()
	env, egress := map[string]string{}, false
	for _, f := range files {
		dec := yaml.NewDecoder(strings.NewReader(string(f.Data)))
		for {
			var doc map[string]any
			if dec.Decode(&doc) != nil {
				break
			}
			walkYAML(doc, func(m map[string]any) {
				if ref, ok := dig(m, "valueFrom", "configMapKeyRef").(map[string]any); ok {
					env[fmt.Sprint(m["name"])] = fmt.Sprint(ref["name"]) + "/" + fmt.Sprint(ref["key"])
				} else if v, ok := m["value"].(string); ok && m["name"] == "PRODUCTS_INDEX_PORT" {
					env["PRODUCTS_INDEX_PORT"] = v
				}
			})
			if doc["kind"] == "NetworkPolicy" {
				walkYAML(dig(doc, "spec"), func(m map[string]any) {
					if ports, ok := m["ports"].([]any); ok && m["to"] != nil {
						for _, p := range ports {
							egress = egress || dig(p, "port") == 9200
						}
					}
				})
			}
		}
	}
	cm := blueprints.DependencyConfigMap("finder")
	if k := "PRODUCTS_INDEX_HOST"; env[k] != cm+"/"+k {
		t.Errorf("Kubernetes: %s does not come from the ConfigMap %s (env from ConfigMaps: %v)", k, cm, env)
	}
	// The port is the row's, written into the env as it is (a ConfigMap value of digits alone is a
	// passport number to trivy).
	if got := env["PRODUCTS_INDEX_PORT"]; got != "9200" {
		t.Errorf("Kubernetes: PRODUCTS_INDEX_PORT = %q, want the row's port 9200", got)
	}
	if !egress {
		t.Error("Kubernetes: the NetworkPolicy does not let the workload out to port 9200")
	}
}

// checkSearchTerraform: the module parses, writes the search resource in the dependency's file, puts
// its settings in the ConfigMap and the outputs, and declares what the writer's resources reference.
func checkSearchTerraform(t *testing.T, cloud string, files []generators.File) {
	t.Helper()
	resource := map[string]string{"aws": "aws_opensearch_domain", "gcp": "google_vertex_ai_index_endpoint", "azure": "azurerm_search_service"}[cloud]
	p := hclparse.NewParser()
	bodies := map[string]*hclsyntax.Body{}
	for _, f := range files {
		if strings.HasSuffix(f.Path, ".yaml") {
			continue // the module's .trivyignore.yaml
		}
		hf, diags := p.ParseHCL(f.Data, f.Path)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f.Path, diags.Error())
		}
		name := f.Path[strings.LastIndex(f.Path, "/terraform/")+len("/terraform/"):]
		bodies[name] = hf.Body.(*hclsyntax.Body)
	}
	if !hasBlock(bodies["products-index.tf"], "resource", resource, "products_index") {
		t.Errorf("%s: products-index.tf has no %s", cloud, resource)
	}
	var cmData []string
	for _, b := range bodies["outputs.tf"].Blocks {
		if b.Type == "resource" && b.Labels[0] == "kubernetes_config_map_v1" {
			if obj, ok := b.Body.Attributes["data"].Expr.(*hclsyntax.ObjectConsExpr); ok {
				for _, it := range obj.Items {
					v, _ := it.KeyExpr.Value(nil)
					cmData = append(cmData, v.AsString())
				}
			}
		}
	}
	if !slices.Equal(cmData, []string{"PRODUCTS_INDEX_HOST", "PRODUCTS_INDEX_PORT"}) {
		t.Errorf("%s: the ConfigMap holds %v", cloud, cmData)
	}
	for _, o := range []string{"products_index_host", "products_index_port"} {
		if !hasBlock(bodies["outputs.tf"], "output", o) {
			t.Errorf("%s: no output %s", cloud, o)
		}
	}
	// What the writer references, the driver declares: the network variables, the production local,
	// the shared service agent; and nothing the module does not use.
	want := map[string][]string{"aws": {"vpc_id", "private_subnet_ids", "cluster_security_group_id"}, "gcp": {"network_id"}, "azure": {"subnet_id"}}[cloud]
	for _, v := range want {
		if !hasBlock(bodies["variables.tf"], "variable", v) {
			t.Errorf("%s: variables.tf does not declare %s", cloud, v)
		}
	}
	for _, v := range []string{"access_log_bucket", "subnet_id"} {
		if cloud != "azure" && hasBlock(bodies["variables.tf"], "variable", v) {
			t.Errorf("%s: variables.tf declares %s, which nothing references", cloud, v)
		}
	}
	if _, ok := localsAttr(bodies["main.tf"], "production"); ok == (cloud == "gcp") {
		t.Errorf("%s: local.production declared %v, referenced %v", cloud, ok, cloud != "gcp")
	}
	if cloud == "gcp" && !hasBlock(bodies["main.tf"], "resource", "google_kms_crypto_key_iam_member", "gcp_sa_aiplatform") {
		t.Error("gcp: main.tf does not grant the writer's service agent the key")
	}
}

func hasBlock(b *hclsyntax.Body, typ string, labels ...string) bool {
	if b == nil {
		return false
	}
	return slices.ContainsFunc(b.Blocks, func(x *hclsyntax.Block) bool { return x.Type == typ && slices.Equal(x.Labels, labels) })
}

func localsAttr(b *hclsyntax.Body, name string) (*hclsyntax.Attribute, bool) {
	for _, x := range b.Blocks {
		if x.Type == "locals" {
			a, ok := x.Body.Attributes[name]
			return a, ok
		}
	}
	return nil, false
}

func walkYAML(v any, visit func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		visit(v)
		for _, x := range v {
			walkYAML(x, visit)
		}
	case []any:
		for _, x := range v {
			walkYAML(x, visit)
		}
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestEveryTypeHasAWriterPerCloud: the descriptors are the clouds a platform can name, and every
// catalogue row has a writer on each (validation admits no type the Terraform cannot write).
func TestEveryTypeHasAWriterPerCloud(t *testing.T) {
	if got := slices.Sorted(maps.Keys(clouds)); !slices.Equal(got, slices.Sorted(slices.Values(catalog.Clouds))) {
		t.Errorf("descriptors for %v, catalog.Clouds %v", got, catalog.Clouds)
	}
	for name, c := range clouds {
		for _, d := range catalog.Dependencies() {
			if _, ok := c.writer(d.Type); !ok {
				t.Errorf("%s: no writer of %q", name, d.Type)
			}
		}
		if len(c.writers) != len(catalog.Dependencies()) {
			t.Errorf("%s: writers of %v, the catalogue has %v", name, slices.Sorted(maps.Keys(c.writers)), catalog.DependencyTypes())
		}
	}
}
