package blueprints

import (
	"reflect"
	"strings"
	"testing"
)

// connFiles is api (calls ledger; env from line 12, one variable per line, value at column 8 for a
// one-letter name) and ledger (grpc on 9000, Service port 90), with platform environments dev and prod.
func connFiles(env ...string) map[string]string {
	spec := append([]string{"  calls: [ledger]", "  secrets: [API_KEY]", "  env:"}, env...)
	spec = append(spec, "  dependencies: [{name: db, type: postgres}, {name: cache, type: redis}, {name: files, type: bucket}]")
	return map[string]string{
		"platform.yaml": rulePlatform("  environments: [dev, prod]", "  cloud: {provider: aws, region: eu-west-1}"),
		"api.yaml":      ruleService("api", TypeWeb, spec...),
		"ledger.yaml":   ruleService("ledger", TypeWeb, "  protocol: grpc", "  servicePort: 90", "  callers: [api]"),
	}
}

func TestConnectionsResolve(t *testing.T) {
	res, diags := ruleLoad(t, connFiles(
		`    LEDGER_ADDR: "@{service.ledger.address}"`,
		`    LEDGER_URL: "@{service.ledger.url}"`,
		`    LEDGER_HOST: "@{ service.ledger.host }"`,
		`    DATABASE_URL: "@{dependency.db.url}"`,
		`    REDIS_ADDR: "@{dependency.cache.address}"`,
		`    DB_PASS: "@{dependency.db.password}"`,
		`    KEY: "@{secret.API_KEY}"`,
		`    BUCKET: "@{dependency.files.bucket}"`,
		`    WHO: "@{self.name}.@{self.namespace}.@{self.environment}:@{self.port}"`,
		`    AT: "user@@{dependency.db.host}"`,
		`    LIT: "a@{@}{b} $(HOME)"`,
		`    PLAIN: "x"`,
		`    KEY_FILE: "@{secret.API_KEY.path}"`,
	))
	for _, d := range diags {
		t.Errorf("unexpected: %s", d)
	}
	api := res.Platforms[0].Services[0]
	if api.Name != "api" {
		t.Fatalf("first service is %s", api.Name)
	}
	text := func(s string) EnvValue { return EnvValue{{Text: s}} }
	want := map[string]EnvValue{
		"LEDGER_ADDR":  text("ledger.core.svc:90"),
		"LEDGER_URL":   text("grpc://ledger.core.svc:90"),
		"LEDGER_HOST":  text("ledger.core.svc"),
		"DATABASE_URL": {{Text: "postgresql://"}, {Var: "DB_USER"}, {Text: ":"}, {Secret: "DB_PASSWORD"}, {Text: "@"}, {Var: "DB_HOST"}, {Text: ":"}, {Var: "DB_PORT"}, {Text: "/"}, {Var: "DB_NAME"}, {Text: "?sslmode=require"}},
		"REDIS_ADDR":   {{Var: "CACHE_HOST"}, {Text: ":"}, {Var: "CACHE_PORT"}},
		"DB_PASS":      {{Secret: "DB_PASSWORD"}},
		"KEY":          {{Secret: "API_KEY"}},
		"BUCKET":       {{Var: "FILES_BUCKET"}},
		"WHO":          text("api.core.:8080"),
		"AT":           {{Text: "user@"}, {Var: "DB_HOST"}},
		"LIT":          text("a@{b} $(HOME)"),
		"PLAIN":        text("x"),
		"KEY_FILE":     text("/var/run/secrets/gantry/API_KEY"),
	}
	if !reflect.DeepEqual(api.Base.Values, want) {
		t.Errorf("base values:\n got %v\nwant %v", api.Base.Values, want)
	}
	for _, e := range api.Environments {
		if got := e.Spec.Values["WHO"]; !reflect.DeepEqual(got, text("api.core."+e.Name+":8080")) {
			t.Errorf("%s: WHO = %v", e.Name, got)
		}
	}
	// --print shows what the Kubernetes output holds.
	for v, s := range map[*EnvValue]string{
		ptr(want["DATABASE_URL"]): "postgresql://$(DB_USER):$(GANTRY_SECRET_DB_PASSWORD)@$(DB_HOST):$(DB_PORT)/$(DB_NAME)?sslmode=require",
		ptr(want["DB_PASS"]):      "$(secret:DB_PASSWORD)",
		ptr(want["LIT"]):          "a@{b} $$(HOME)",
		ptr(EnvValue{{Text: "pre $(X) "}, {Var: "DB_HOST"}}): "pre $$(X) $(DB_HOST)",
		ptr(EnvValue{{Text: "$(secret:KEY)"}}):               "$$(secret:KEY)",
	} {
		if got := v.String(); got != s {
			t.Errorf("%v.String() = %s, want %s", *v, got, s)
		}
	}
}

func TestRuleConnections(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "placeholders resolve", files: connFiles(`    A: "@{service.ledger.address}"`, `    B: "@{dependency.db.url}"`)},
		{
			name:  "unknown kind",
			files: connFiles(`    A: "@{servce.ledger.address}"`),
			want:  []string{`api.yaml:13:9: spec.env.A: @{servce.ledger.address}: unknown kind "servce" (did you mean "service"?)`},
		},
		{
			name:  "placeholder after text points at its column",
			files: connFiles(`    A: http://@{service.ledger.adress}/x`),
			want:  []string{`api.yaml:13:15: spec.env.A: @{service.ledger.adress}: no field "adress" (did you mean "address"? (one of: host, port, address, url))`},
		},
		{
			name:  "service not in calls",
			files: withService(connFiles(`    A: "@{service.audit.address}"`), "audit"),
			want:  []string{`api.yaml:13:9: spec.env.A: @{service.audit.address}: audit is not in spec.calls, so the network rules would block the connection (add "audit" to spec.calls (and "api" to audit's spec.callers))`},
		},
		{
			name:  "unknown service",
			files: connFiles(`    A: "@{service.ledgr.host}"`),
			want:  []string{`api.yaml:13:9: spec.env.A: @{service.ledgr.host}: no service "ledgr" among the blueprints (did you mean "ledger"?)`},
		},
		{
			name:  "the service itself",
			files: connFiles(`    A: "@{service.api.port}"`),
			want:  []string{`api.yaml:13:9: spec.env.A: @{service.api.port} is the service itself (use @{self.port}, or localhost)`},
		},
		{
			name:  "unknown dependency",
			files: connFiles(`    A: "@{dependency.dbb.host}"`),
			want:  []string{`api.yaml:13:9: spec.env.A: @{dependency.dbb.host}: no dependency "dbb" (did you mean "db"?)`},
		},
		{
			name:  "field a dependency type does not have",
			files: connFiles(`    A: "@{dependency.files.host}"`),
			want:  []string{`api.yaml:13:9: spec.env.A: @{dependency.files.host}: no field "host" (a bucket dependency has: bucket)`},
		},
		{
			name:  "secret not listed",
			files: connFiles(`    A: "@{secret.API_KEYS}"`),
			want:  []string{`api.yaml:13:9: spec.env.A: @{secret.API_KEYS}: "API_KEYS" is not among the service's secrets (did you mean "API_KEY"?)`},
		},
		{
			name:  "unknown secret field",
			files: connFiles(`    A: "@{secret.API_KEY.file}"`),
			want:  []string{`api.yaml:13:9: spec.env.A: @{secret.API_KEY.file}: no field "file" (@{secret.NAME} is the value, @{secret.NAME.path} the file it is mounted as)`},
		},
		{
			name: "a secret named with a dot",
			files: func() map[string]string {
				f := connFiles(`    A: "@{secret.tls.key}"`, `    B: "@{secret.tls.key.path}"`)
				f["api.yaml"] = strings.Replace(f["api.yaml"], "secrets: [API_KEY]", "secrets: [API_KEY, tls.key]", 1)
				return f
			}(),
		},
		{
			name: "a secret named like a dependency's password",
			files: func() map[string]string {
				f := connFiles(`    A: x`)
				f["api.yaml"] = strings.Replace(f["api.yaml"], "secrets: [API_KEY]", "secrets: [API_KEY, DB_PASSWORD]", 1)
				return f
			}(),
			want: []string{"api.yaml:11:22: spec.secrets[1]: DB_PASSWORD is where dependency db's password goes in the service's Secret (rename the secret; the dependency's password is @{dependency.db.password})"},
		},
		{
			name:  "a credential's name over a placeholder that is no secret",
			files: connFiles(`    API_TOKEN: "@{self.name}"`, `    DB_PASSWORD_URL: "@{dependency.db.url}"`),
			want:  []string{`api.yaml:13:16: spec.env.API_TOKEN: API_TOKEN looks like it holds a credential (value [redacted]); env values are not secret (list it under secrets: [API_TOKEN] and keep the value in the secret store; if it holds no credential, rename it)`},
		},
		{
			name:  "a newline in a placeholder is escaped in the message",
			files: connFiles(`    A: "@{service.x\n::error file=a::pwn.address}"`),
			want:  []string{`api.yaml:13:8: spec.env.A: @{service.x\n::error file=a::pwn.address} is not a placeholder (write @{kind.name.field}: @{service.api.address}, @{dependency.db.host}, @{secret.API_KEY} or @{self.namespace}; @{@} is a literal @)`},
		},
		{
			name:  "a NUL in a value",
			files: connFiles(`    A: "a\u0000b"`),
			want:  []string{"api.yaml:13:8: spec.env.A: contains a NUL character (remove it: no process can receive a NUL in its environment)"},
		},
		{
			name:  "no service name",
			files: connFiles(`    A: "@{service..address}"`, `    B: "@{service}"`),
			want: []string{
				"api.yaml:13:9: spec.env.A: @{service..address} names no service (write @{service.NAME.FIELD}, NAME as in spec.calls, e.g. @{service.api.address})",
				"api.yaml:14:9: spec.env.B: @{service} names no service (write @{service.NAME.FIELD}, NAME as in spec.calls, e.g. @{service.api.address})",
			},
		},
		{
			name:  "nested placeholders",
			files: connFiles(`    A: "@{service.@{self.name}.host}"`),
			want:  []string{"api.yaml:13:9: spec.env.A: @{service.@{self.name}: placeholders do not nest (write each placeholder on its own, e.g. @{service.api.host}:@{service.api.port})"},
		},
		{
			name:  "a placeholder in egress",
			files: connFiles(`    A: x`, `  egress: ["@{service.ledger.address}"]`),
			want:  []string{"api.yaml:14:12: spec.egress[0]: placeholders are resolved in env values only (a service inside the platform goes in spec.calls; egress lists hosts outside it)"},
		},
		{
			name:  "unknown self field",
			files: connFiles(`    A: "@{self.team}"`),
			want:  []string{`api.yaml:13:9: spec.env.A: @{self.team}: no field "team" (one of: name, namespace, environment, port)`},
		},
		{
			name:  "unterminated",
			files: connFiles(`    A: "x@{self.name"`),
			want:  []string{`api.yaml:13:10: spec.env.A: an unterminated @{ (close it with }, e.g. @{service.api.address}; for a literal @{ write @{@}{)`},
		},
		{
			name:  "empty placeholder",
			files: connFiles(`    A: "@{}"`),
			want:  []string{`api.yaml:13:9: spec.env.A: @{} is not a placeholder (write @{kind.name.field}: @{service.api.address}, @{dependency.db.host}, @{secret.API_KEY} or @{self.namespace}; @{@} is a literal @)`},
		},
		{
			name:  "literal address of another service",
			files: connFiles(`    A: ledger:9000`),
			want:  []string{`api.yaml:13:8: warning: spec.env.A: A looks like the address of service ledger, written as a literal (write @{service.ledger.address} (or .host, .port, .url): it follows the service's port and is checked against spec.calls)`},
		},
		{
			name:  "literal in-cluster URL of another service",
			files: connFiles(`    A: http://ledger.core.svc.cluster.local/v1`),
			want:  []string{`api.yaml:13:8: warning: spec.env.A: A looks like the address of service ledger, written as a literal (write @{service.ledger.address} (or .host, .port, .url): it follows the service's port and is checked against spec.calls)`},
		},
		{name: "a word that is a service's name is no address", files: connFiles(`    A: ledger`, `    B: "ledger: on"`)},
		{name: "a password from the store in a connection string", files: connFiles(`    CONN: "Host=@{dependency.db.host};Password=@{dependency.db.password};Timeout=5"`, `    DB_PASSWORD: "@{dependency.db.password}"`)},
		{
			name: "a placeholder in an environment's env",
			files: func() map[string]string {
				f := connFiles(`    A: x`)
				f["api.yaml"] += "  environments:\n    prod: {env: {B: \"@{dependency.nope.host}\"}}\n"
				return f
			}(),
			want: []string{`api.yaml:16:22: spec.environments.prod.env.B: @{dependency.nope.host}: no dependency "nope" (declare it under spec.dependencies)`},
		},
	})
}

func ptr[T any](v T) *T { return &v }

// withService adds a web service named name of team core that nobody calls.
func withService(files map[string]string, name string) map[string]string {
	files[name+".yaml"] = ruleService(name, TypeWeb)
	return files
}

// FuzzPlaceholders: any env value splits without panicking; a value with no "@{" is one text part,
// the value itself; text parts never hold an unescaped placeholder, and a value split into parts
// renders back (each literal '@' escaped) to one that splits the same way.
func FuzzPlaceholders(f *testing.F) {
	for _, s := range []string{"", "plain", "@{service.a.host}", "a@{@}{b}", "user@@{dependency.db.host}", "@{", "@{}", "}@{x}@{y", "$(HOME)@{self.name}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		segs, _, ok := splitPlaceholders(v)
		if !ok {
			return
		}
		if !strings.Contains(v, "@{") && (len(segs) > 1 || len(segs) == 1 && segs[0].text != v) {
			t.Fatalf("%q: split into %+v", v, segs)
		}
		var b strings.Builder
		for _, s := range segs {
			if s.placeholder && s.ref == "@" {
				return // "@{ @ }": not the escape, and refused as no placeholder
			}
			if s.placeholder {
				b.WriteString("@{" + s.ref + "}")
			} else {
				b.WriteString(strings.ReplaceAll(s.text, "@", "@{@}"))
			}
		}
		again, _, ok := splitPlaceholders(b.String())
		if !ok || !reflect.DeepEqual(merge(again), merge(segs)) {
			t.Fatalf("%q: %+v, rendered %q: %+v", v, segs, b.String(), again)
		}
	})
}

// merge joins adjacent text segments and drops offsets, for comparing two splits.
func merge(segs []segment) []segment {
	var out []segment
	for _, s := range segs {
		s.off = 0
		if !s.placeholder && len(out) > 0 && !out[len(out)-1].placeholder {
			out[len(out)-1].text += s.text
			continue
		}
		out = append(out, s)
	}
	return out
}
