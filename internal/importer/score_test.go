package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gantry-dev/gantry/blueprints"
)

// scoreFile is one Score file of a case, written under the case's folder (name may have a folder).
type scoreFile struct{ name, text string }

// TestScoreCases: Score snippets in; the report lines (relative to the case's folder), what the
// written blueprints hold (or must not hold), or the error out. Every import that succeeds is written
// and loaded with gantry validate's Load: zero errors.
func TestScoreCases(t *testing.T) {
	digest := "@sha256:" + strings.Repeat("ab", 32)
	img := "ghcr.io/acme/api:1.0.0" + digest
	token := "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"
	password := "hunter2-Correct-Horse"
	// A workload with one pinned container (line 6: image), on port 8080 with an HTTP probe, and the
	// lines given after them (at line 10 on).
	workload := func(name string, containerLines, rest string) string {
		return "apiVersion: score.dev/v1b1\n" + // 1
			"metadata:\n" + // 2
			"  name: " + name + "\n" + // 3
			"containers:\n" + // 4
			"  main:\n" + // 5
			"    image: " + img + "\n" + // 6
			"    livenessProbe:\n" + // 7
			"      httpGet: {path: /livez, port: 8080}\n" + // 8
			containerLines + // 9...
			"service:\n" +
			"  ports:\n" +
			"    www: {port: 8080}\n" +
			rest
	}
	cases := []struct {
		name    string
		files   []scoreFile
		git     bool                // a .git folder at the case's root (the repository root)
		extra   map[string]string   // other files of the case (a build context's go.mod)
		want    []string            // report lines containing these
		in      map[string][]string // written file -> text it contains
		out     []string            // text no written file (nor the report) contains
		pending []string            // files written fully commented out
		wantErr string
		bug     string // a known bug: the case is skipped, saying so
	}{
		{
			name:    "unpinned image",
			files:   []scoreFile{{"score.yaml", "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: nginx:1.27\n"}},
			want:    []string{"score.yaml:6: todo: api: image nginx:1.27 is not pinned by digest: the blueprint is written commented out; `docker buildx imagetools inspect nginx:1.27` prints the digest"},
			in:      map[string][]string{"api.yaml": {"pin the image by digest in spec.prebuilt", `#   prebuilt: "nginx:1.27@sha256:TODO"`}},
			pending: []string{"api.yaml"},
		},
		{
			name:  "image . with a go.mod",
			git:   true,
			files: []scoreFile{{"api/score.yaml", "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: .\n"}},
			extra: map[string]string{"api/go.mod": "module example.com/api\n\ngo 1.24\n"},
			want:  []string{"api/score.yaml:6: note: api: image . (built from source): runtime go, guessed from the files of"},
			in:    map[string][]string{"api.yaml": {"runtime: go", "source: api", "type: worker"}},
		},
		{
			name:    "image . with nothing to guess a runtime from",
			files:   []scoreFile{{"score.yaml", "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: .\n"}},
			want:    []string{"score.yaml:6: todo: api: image . (built from source): runtime unknown; the blueprint is written commented out"},
			in:      map[string][]string{"api.yaml": {"set spec.runtime"}},
			pending: []string{"api.yaml"},
		},
		{
			name: "credentials",
			files: []scoreFile{{"score.yaml", workload("api",
				"    variables:\n"+ // 9
					"      API_TOKEN: "+token+"\n"+ // 10
					"      DB_PASSWORD: "+password+"\n"+ // 11
					"      LOG_LEVEL: debug\n", // 12
				"")}},
			want: []string{
				"score.yaml:10: warning: api: variable API_TOKEN looks like a credential: the value is not copied; put it in the secret store as API_TOKEN",
				"score.yaml:11: warning: api: variable DB_PASSWORD looks like a credential: the value is not copied",
			},
			in: map[string][]string{"api.yaml": {`API_TOKEN: "@{secret.API_TOKEN}"`, `DB_PASSWORD: "@{secret.DB_PASSWORD}"`,
				"secrets: [API_TOKEN, DB_PASSWORD]", "LOG_LEVEL: debug"}},
			out: []string{token, password, "ghp_"},
		},
		{
			name: "unmapped container fields",
			files: []scoreFile{{"score.yaml", workload("api",
				"    command: [/bin/api]\n"+ // 9
					"    args: [--verbose]\n"+ // 10
					"    files:\n"+ // 11
					"      - target: /etc/api.conf\n"+ // 12
					"        content: x\n"+ // 13
					"    volumes:\n"+ // 14
					"      - source: ${resources.data}\n"+ // 15
					"        target: /data\n", // 16
				"")}},
			want: []string{
				"score.yaml:9: unmapped: api: containers.main.command: Gantry has no equivalent; not copied",
				"score.yaml:10: unmapped: api: containers.main.args: Gantry has no equivalent; not copied",
				"score.yaml:11: unmapped: api: containers.main.files: Gantry has no equivalent; not copied",
				"score.yaml:14: unmapped: api: containers.main.volumes: Gantry has no equivalent; not copied",
			},
			in:  map[string][]string{"api.yaml": {"score.yaml:9:5: unmapped: containers.main.command", "score.yaml:14:5: unmapped: containers.main.volumes"}},
			out: []string{"/bin/api", "--verbose", "/etc/api.conf", "/data"},
		},
		{
			name: "unknown resource type",
			files: []scoreFile{{"score.yaml", workload("api",
				"    variables:\n"+ // 9
					"      AMQP_HOST: ${resources.queue.host}\n", // 10
				"resources:\n"+ // 14
					"  queue:\n"+ // 15
					"    type: rabbitmq\n"+ // 16
					"  mongo: {type: mongodb}\n"+ // 17
					"  odd: {type: something-else}\n")}}, // 18
			want: []string{
				"score.yaml:10: todo: api: variable AMQP_HOST: ${resources.queue.host} names resource queue, which has no Gantry equivalent; written as a comment",
				"score.yaml:15: unmapped: api: resource queue of type rabbitmq: Gantry has no equivalent (no Gantry dependency type",
				"score.yaml:17: unmapped: api: resource mongo of type mongodb: Gantry has no equivalent",
				"score.yaml:18: unmapped: api: resource odd of type something-else: Gantry has no equivalent",
			},
			in:  map[string][]string{"api.yaml": {"# TODO(import): AMQP_HOST"}},
			out: []string{"dependencies:"},
		},
		{
			name: "second container",
			files: []scoreFile{{"score.yaml", workload("api",
				"  sidecar:\n"+ // 9
					"    image: envoyproxy/envoy:v1.31\n", // 10
				"")}},
			want: []string{"score.yaml:9: unmapped: api: container sidecar: Gantry runs one container per service (main); import it as a workload of its own"},
			in:   map[string][]string{"api.yaml": {"prebuilt: \"" + img + "\""}},
			out:  []string{"envoy"},
		},
		{
			name: "resource placeholders",
			files: []scoreFile{{"score.yaml", workload("api",
				"    variables:\n"+ // 9
					"      DATABASE_HOST: ${resources.db.host}\n"+ // 10
					"      DATABASE_NAME: ${resources.db.name}\n"+ // 11
					"      DB_URL: postgres://${resources.db.username}:${resources.db.password}@${resources.db.host}:${resources.db.port}/${resources.db.name}\n"+ // 12
					"      CACHE: ${resources.cache.host}:${resources.cache.port}\n"+ // 13
					"      ME: ${metadata.name}\n"+ // 14
					"      LITERAL: $${HOME}\n", // 15
				"resources:\n"+
					"  db: {type: postgres}\n"+
					"  cache: {type: redis}\n")}},
			in: map[string][]string{"api.yaml": {
				`DATABASE_HOST: "@{dependency.db.host}"`,
				`DATABASE_NAME: "@{dependency.db.name}"`,
				`DB_URL: "@{dependency.db.url}"`,
				`CACHE: "@{dependency.cache.address}"`,
				`ME: "@{self.name}"`,
				`LITERAL: "${HOME}"`,
				"- {name: db, type: postgres}",
				"- {name: cache, type: redis}",
			}},
			out: []string{"${resources."},
		},
		{
			// Gantry sets DB_HOST, DB_PORT, DB_NAME... itself for a dependency named db: a Score file
			// that sets them too (the usual way to wire a database in Score) must import, the variable
			// reported and left out, not fail.
			name: "a variable Gantry sets from the dependency",
			files: []scoreFile{{"score.yaml", workload("api",
				"    variables:\n"+ // 9
					"      DB_HOST: ${resources.db.host}\n"+ // 10
					"      DB_NAME: ${resources.db.name}\n", // 11
				"resources:\n"+
					"  db: {type: postgres}\n")}},
			want: []string{"score.yaml:10: unmapped: api: variable DB_HOST", "score.yaml:11: unmapped: api: variable DB_NAME"},
			in:   map[string][]string{"api.yaml": {"- {name: db, type: postgres}"}},
			out:  []string{"DB_HOST: ", "DB_NAME: "},
		},
		{
			name: "service-port resource",
			files: []scoreFile{
				{"api.yaml", workload("api", "", "")},
				{"worker.yaml", "apiVersion: score.dev/v1b1\n" + // 1
					"metadata:\n" + // 2
					"  name: worker\n" + // 3
					"containers:\n" + // 4
					"  main:\n" + // 5
					"    image: " + img + "\n" + // 6
					"    variables:\n" + // 7
					"      API_URL: http://${resources.api.hostname}:${resources.api.port}/v1\n" + // 8
					"      API_HOST: ${resources.api.host}\n" + // 9
					"resources:\n" + // 10
					"  api:\n" + // 11
					"    type: service-port\n" + // 12
					"    params: {workload: api, port: www}\n" + // 13
					"  billing:\n" + // 14
					"    type: service-port\n" + // 15
					"    params: {workload: billing, port: web}\n"}, // 16
			},
			want: []string{`worker.yaml:14: todo: worker: resource billing (service-port) names workload "billing", which is not among the imported files`},
			in: map[string][]string{
				"api.yaml":    {"callers: [worker]"},
				"worker.yaml": {"calls: [api]", `API_URL: "@{service.api.url}/v1"`, `API_HOST: "@{service.api.host}"`},
			},
			out: []string{"calls: [api, billing]", "calls: [billing"},
		},
		{
			name:    "invalid YAML",
			files:   []scoreFile{{"score.yaml", "apiVersion: score.dev/v1b1\ncontainers: [\n  main\n"}},
			wantErr: "score.yaml: yaml:",
		},
		{
			name:    "a Compose file",
			files:   []scoreFile{{"score.yaml", "services:\n  web:\n    image: nginx\n"}},
			wantErr: `score.yaml: apiVersion "": import reads score.dev/v1b1`,
		},
		{
			name:    "a Kubernetes manifest",
			files:   []scoreFile{{"score.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"}},
			wantErr: `score.yaml: apiVersion "apps/v1": import reads score.dev/v1b1`,
		},
		{
			name:    "no containers",
			files:   []scoreFile{{"score.yaml", "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\n"}},
			wantErr: "score.yaml: no containers",
		},
		{
			name:    "a workload name that is no service name",
			files:   []scoreFile{{"score.yaml", workload("Api_1", "", "")}},
			wantErr: `score.yaml:3:3: workload "Api_1" is not a Gantry service name`,
		},
		{
			name:    "two workloads of one name",
			files:   []scoreFile{{"a.yaml", workload("api", "", "")}, {"b.yaml", workload("api", "", "")}},
			wantErr: "b.yaml:3:3: a second workload named api",
		},
		{
			name:    "the second file is invalid",
			files:   []scoreFile{{"a.yaml", workload("api", "", "")}, {"b.yaml", "apiVersion: score.dev/v1b1\n\tcontainers: x\n"}},
			wantErr: "b.yaml: yaml:",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.bug != "" {
				t.Skip("BUG: " + c.bug)
			}
			dir := t.TempDir()
			if c.git {
				if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			write := func(name, text string) string {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			for name, text := range c.extra {
				write(name, text)
			}
			var paths []string
			for _, f := range c.files {
				paths = append(paths, write(f.name, f.text))
			}
			bp := filepath.Join(dir, "blueprints")
			res, err := Score(paths, Options{Dir: bp, Team: "t"})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), filepath.ToSlash(dir)+"/", ""), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				if res != nil {
					t.Errorf("an error and a result: %+v", res)
				}
				if _, err := os.Stat(bp); err == nil {
					t.Errorf("%s was created", bp)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, e := range res.Report {
				lines = append(lines, strings.TrimPrefix(e.String(), filepath.ToSlash(dir)+"/"))
			}
			report := strings.Join(lines, "\n")
			for _, w := range c.want {
				if !strings.Contains(report, w) {
					t.Errorf("report:\n%s\nwant a line containing %q", report, w)
				}
			}
			if _, err := Write(res); err != nil {
				t.Fatal(err)
			}
			written := map[string]string{}
			for _, f := range res.Files {
				data, err := os.ReadFile(filepath.Join(bp, filepath.FromSlash(f.Path)))
				if err != nil {
					t.Fatal(err)
				}
				written[f.Path] = string(data)
			}
			for file, wants := range c.in {
				data, ok := written[file]
				if !ok {
					t.Errorf("%s not written (written: %v)", file, res.Files)
					continue
				}
				for _, w := range wants {
					if !strings.Contains(data, w) {
						t.Errorf("%s:\n%s\nwant it to contain %q", file, data, w)
					}
				}
			}
			for _, o := range c.out {
				for file, data := range written {
					if strings.Contains(data, o) {
						t.Errorf("%s contains %q:\n%s", file, o, data)
					}
				}
				if strings.Contains(report, o) {
					t.Errorf("the report contains %q:\n%s", o, report)
				}
			}
			for file, data := range written {
				isPending := false
				for _, p := range c.pending {
					isPending = isPending || p == file
				}
				if file != "platform.yaml" && blueprints.IsBlueprint([]byte(data)) == isPending {
					t.Errorf("%s: written commented out %v, want %v:\n%s", file, !blueprints.IsBlueprint([]byte(data)), isPending, data)
				}
			}
			_, diags := blueprints.Load(blueprints.LoadOptions{Paths: []string{bp}, Root: dir})
			if diags.HasErrors(false) {
				t.Errorf("the written blueprints do not validate:\n%v", diags)
			}
		})
	}
}
