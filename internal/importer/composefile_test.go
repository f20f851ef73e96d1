package importer

import (
	"strings"
	"testing"
)

// composeReaderCases: one Compose snippet in, what readCompose reads (substrings of dump's line of
// the service) or its exact error out. FuzzComposeReader checks each against compose-go too.
var composeReaderCases = []struct {
	name, compose string
	want          []string // each in dump(view)
	wantErr       string   // the whole error
}{
	// image and build
	{name: "image", compose: "services:\n  web:\n    image: nginx:1.27\n", want: []string{`web: image="nginx:1.27"`}},
	{name: "build string", compose: "services:\n  web:\n    build: ./app\n",
		want: []string{"build={Context:/compose-project/app Dockerfile:Dockerfile DockerfileInline: Target: Args:[]}"}},
	{name: "build mapping", compose: "services:\n  web:\n    build:\n      context: app\n      dockerfile: build/Dockerfile.prod\n      target: prod\n      args: [A=1, B, C=]\n",
		want: []string{"build={Context:/compose-project/app Dockerfile:build/Dockerfile.prod DockerfileInline: Target:prod Args:[A C]}"}},
	{name: "build args mapping", compose: "services:\n  web:\n    build:\n      args: {A: 1, B: null, COMPOSE_PROJECT_NAME: null}\n",
		want: []string{"build={Context:/compose-project Dockerfile:Dockerfile DockerfileInline: Target: Args:[A COMPOSE_PROJECT_NAME]}"}},
	{name: "build inline dockerfile", compose: "services:\n  web:\n    build: {dockerfile_inline: FROM scratch}\n",
		want: []string{"build={Context:/compose-project Dockerfile: DockerfileInline:FROM scratch"}},
	{name: "build remote context", compose: "services:\n  web:\n    build: https://github.com/acme/web.git#main\n",
		want: []string{"build={Context:https://github.com/acme/web.git#main"}},

	// ports, every syntax
	{name: "ports short", compose: "services:\n  web:\n    image: x\n    ports: [\"8080\", \"8081:81\", \"127.0.0.1:8082:82\", \"[::1]:8083:83/udp\", 84, \"8085:85/TCP\"]\n",
		want: []string{"ports=[{8080 tcp} {81 tcp} {82 tcp} {83 udp} {84 tcp} {85 tcp}]"}},
	{name: "ports ranges", compose: "services:\n  web:\n    image: x\n    ports: [\"9000-9001:7000-7001\", \"5000-5001\", \"6000-6001:7002\"]\n",
		want: []string{"ports=[{7000 tcp} {7001 tcp} {5000 tcp} {5001 tcp} {7002 tcp}]"}},
	{name: "ports range in text order", compose: "services:\n  web:\n    image: x\n    ports: [\"998-1001\"]\n",
		want: []string{"ports=[{1000 tcp} {1001 tcp} {998 tcp} {999 tcp}]"}},
	{name: "ports long", compose: "services:\n  web:\n    image: x\n    ports:\n      - {target: 80, published: \"8080\", protocol: udp, host_ip: 127.0.0.1, mode: host}\n      - target: \"${PORT:-81}\"\n",
		want: []string{"ports=[{80 udp} {81 tcp}]"}},
	{name: "ports de-duplicated", compose: "services:\n  web:\n    image: x\n    ports: [\"8080:80\", \"9090:90\", \"8080:80\", {target: 80, published: \"8080\"}]\n",
		want: []string{"ports=[{80 tcp} {90 tcp}]"}},
	{name: "expose", compose: "services:\n  web:\n    image: x\n    expose: [5432, \"6000-6005\", \"53/udp\", \"5432\"]\n",
		want: []string{`expose=["5432" "6000-6005" "53/udp"]`}},

	// environment
	{name: "environment list", compose: "services:\n  web:\n    image: x\n    environment: [A=1, B, C=, A=2, D=x=y]\n",
		want: []string{`env={A="2" B C="" D="x=y" }`}},
	{name: "environment mapping", compose: "services:\n  web:\n    image: x\n    environment: {A: 1.0, B: true, C: null, D: 0x10, E: \"x\", F: 1e3, G: '007'}\n",
		want: []string{`env={A="1" B="true" C D="16" E="x" F="1000" G="007" }`}},
	{name: "project name variable", compose: "name: Shop\nservices:\n  web:\n    image: x\n    environment: [COMPOSE_PROJECT_NAME, \"P=${COMPOSE_PROJECT_NAME}\"]\n",
		want: []string{"name=shop", `env={COMPOSE_PROJECT_NAME="shop" P="shop" }`}},

	// interpolation with an empty environment
	{name: "interpolation", compose: "services:\n  web:\n    image: x\n    environment:\n" +
		"      A: ${X:-d}\n      B: ${X-d}\n      C: ${X:+alt}\n      D: ${X+alt}\n      E: $$X $$\n      F: a${X}b$X.c\n" +
		"      G: ${X:-${Y:-z}}\n      H: ${X:-1} and ${Y:-2}!\n      I: $1 $ $-\n      J: ${X:-{}}\n",
		want: []string{`env={A="d" B="d" C="" D="" E="$X $" F="ab.c" G="z" H="1 and 2!" I="$1 $ $-" J="{}" }`}},
	{name: "interpolated types", compose: "services:\n  web:\n    image: ${IMAGE:-nginx}:${TAG-1}\n    deploy:\n      replicas: ${N:-3}\n",
		want: []string{`image="nginx:1"`, "deploy={replicas=3}"}},

	// healthcheck
	{name: "healthcheck string", compose: "services:\n  web:\n    image: x\n    healthcheck:\n      test: curl -f http://localhost/\n      interval: 1m30s\n      timeout: 1.5s\n      start_period: 1d\n      start_interval: 500ms\n      retries: \"3\"\n",
		want: []string{`health={test=["CMD-SHELL" "curl -f http://localhost/"] disable=false 1m30s 1.5s 24h0m0s 500ms retries=3}`}},
	{name: "healthcheck list, disabled", compose: "services:\n  web:\n    image: x\n    healthcheck: {test: [CMD, wget, -q], disable: \"yes\"}\n",
		want: []string{`health={test=["CMD" "wget" "-q"] disable=true - - - -}`}},
	{name: "healthcheck empty", compose: "services:\n  web:\n    image: x\n    healthcheck: {}\n",
		want: []string{"health={test=[] disable=false - - - -}"}},

	// dependencies
	{name: "depends_on list and links", compose: "services:\n  web:\n    image: x\n    depends_on: [db]\n    links: [\"cache:redis\", q]\n  db: {image: postgres}\n  cache: {image: redis}\n  q: {image: x}\n",
		want: []string{`links=["cache:redis" "q"] deps=map[cache:true db:true q:true]`}},
	{name: "depends_on mapping", compose: "services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: service_healthy}\n      debug: {condition: service_started, required: false}\n  db: {image: postgres}\n  debug: {image: x, profiles: [debug]}\n",
		want: []string{"deps=map[db:true debug:false]"}},
	{name: "implicit dependencies", compose: "services:\n  web:\n    image: x\n    network_mode: service:vpn\n    volumes_from: [\"data:ro\", \"container:other\"]\n  vpn: {image: x}\n  data: {image: x}\n",
		want: []string{"deps=map[data:true vpn:true]"}},
	{name: "profiles leave a service out", compose: "services:\n  web:\n    image: x\n  debug:\n    image: y\n    profiles: [debug]\n",
		want: []string{"name=import\n  web:"}},

	// deploy and secrets
	{name: "deploy", compose: "services:\n  web:\n    image: x\n    deploy:\n      replicas: 2\n      resources:\n        limits: {cpus: \"0.5\", memory: 1.5g, pids: 10}\n        reservations: {memory: 1g}\n",
		want: []string{"deploy={replicas=2 limits={NanoCPUs:0.5 MemoryBytes:1610612736 Pids:10}}"}},
	{name: "deploy memory units", compose: "services:\n  web:\n    image: x\n    deploy: {resources: {limits: {cpus: 2, memory: \"512\"}}}\n",
		want: []string{"limits={NanoCPUs:2 MemoryBytes:512 Pids:0}"}},
	{name: "scale sets replicas", compose: "services:\n  web:\n    image: x\n    scale: 4\n    deploy: {}\n",
		want: []string{"deploy={replicas=4}"}},
	{name: "secrets", compose: "services:\n  web:\n    image: x\n    secrets: [a, {source: b, target: /etc/b}, {source: c}]\nsecrets:\n  a: {file: a.txt}\n  b: {environment: B}\n  c: {external: true}\n",
		want: []string{"secrets=[{a /run/secrets/a} {b /etc/b} {c /run/secrets/c}]"}},

	// names, anchors, merge keys
	{name: "project name", compose: "name: My_Shop!\nservices:\n  web: {image: x}\n", want: []string{"name=my_shop"}},
	{name: "project name interpolated", compose: "name: ${NAME:-Shop}\nservices:\n  web: {image: x}\n", want: []string{"name=shop"}},
	{name: "anchors and merge keys", compose: "x-base: &base\n  image: x\n  environment: {A: \"1\", B: \"2\"}\n  ports: [\"80\"]\n" +
		"services:\n  web:\n    <<: *base\n    environment: {A: \"3\"}\n    ports: !reset []\n  api:\n    <<: [{image: y}, *base]\n",
		want: []string{`api: image="y" ports=[{80 tcp}]`, `web: image="x" ports=[{80 tcp}]`, `env={A="3" }`}},

	// errors, each at its place
	{name: "unknown key", compose: "services:\n  web:\n    imgae: x\n",
		wantErr: "compose.yaml:3:5: services.web.imgae: not a Compose key (did you mean image?)"},
	{name: "extends", compose: "services:\n  web:\n    image: x\n    extends: {service: base}\n  base: {image: y}\n",
		wantErr: "compose.yaml:4:5: services.web.extends: not supported by Gantry's Compose reader: write the service out in full (or use a YAML anchor and <<)"},
	{name: "include", compose: "include: [other.yaml]\nservices:\n  web: {image: x}\n",
		wantErr: "compose.yaml:1:1: include: not supported by Gantry's Compose reader: import each included file on its own"},
	{name: "two documents", compose: "services:\n  web: {image: x}\n---\nservices:\n  api: {image: y}\n",
		wantErr: "compose.yaml:3:1: a second YAML document: Gantry's Compose reader takes one (merge the documents into one)"},
	{name: "empty", compose: "# nothing\n", wantErr: "compose.yaml: empty compose file"},
	{name: "version only", compose: "version: \"3.8\"\n", wantErr: "compose.yaml:1:1: empty compose file"},
	{name: "not a mapping", compose: "- a\n", wantErr: "compose.yaml: the top level must be a mapping"},
	{name: "unknown top-level key", compose: "service:\n  web: {image: x}\n", wantErr: "compose.yaml:1:1: service: not a Compose top-level key"},
	{name: "version not a string", compose: "version: 3\nservices:\n  web: {image: x}\n", wantErr: "compose.yaml:1:10: version: must be a string"},
	{name: "services not a mapping", compose: "services:\n", wantErr: "compose.yaml:1:10: services: must be a mapping"},
	{name: "duplicate key", compose: "services:\n  web:\n    image: x\n    image: y\n",
		wantErr: "compose.yaml:4:5: services.web: key \"image\" is already defined at line 3"},
	{name: "bad service name", compose: "services:\n  web app: {image: x}\n", wantErr: "compose.yaml:2:3: services.web app: a service name is letters, digits, '.', '_' and '-'"},
	{name: "required variable", compose: "services:\n  web:\n    image: ${IMAGE:?set IMAGE}\n",
		wantErr: "compose.yaml:3:12: services.web.image: required variable IMAGE is missing a value: set IMAGE"},
	{name: "required variable, no message", compose: "services:\n  web:\n    image: ${IMAGE?}\n",
		wantErr: "compose.yaml:3:12: services.web.image: required variable IMAGE is missing a value"},
	{name: "invalid interpolation", compose: "services:\n  web:\n    image: x\n    command: echo ${1}\n",
		wantErr: "compose.yaml:4:14: services.web.command: invalid interpolation format in \"echo ${1}\": write $$ for a literal $"},
	{name: "port syntax", compose: "services:\n  web:\n    image: x\n    ports: [\"x:80\", \"80/icmp\", \"8000-8001:9000-9002\", \"0\", \"1.2.3:80:80\", 80.5, {published: 80}]\n",
		wantErr: "compose.yaml:4:13: services.web.ports[0]: invalid host port \"x\"\n" +
			"compose.yaml:4:21: services.web.ports[1]: invalid protocol \"icmp\" (tcp, udp or sctp)\n" +
			"compose.yaml:4:32: services.web.ports[2]: the ranges of container and host ports differ: 9000-9002 and 8000-8001\n" +
			"compose.yaml:4:55: services.web.ports[3]: port \"0\" has no target (container) port\n" +
			"compose.yaml:4:60: services.web.ports[4]: invalid IP address \"1.2.3\"\n" +
			"compose.yaml:4:75: services.web.ports[5]: a port number must be an integer (80.5)\n" +
			"compose.yaml:4:81: services.web.ports[6]: a port needs its target (container) port"},
	{name: "long port", compose: "services:\n  web:\n    image: x\n    ports: [{target: http}, {target: 80, host_ip: localhost}]\n",
		wantErr: "compose.yaml:4:22: services.web.ports[0].target: not a port number: \"http\"\n" +
			"compose.yaml:4:51: services.web.ports[1].host_ip: invalid IP address \"localhost\""},
	{name: "environment", compose: "services:\n  web:\n    image: x\n    environment: [\"A =1\", 3]\n  api:\n    image: x\n    environment: {A: [1]}\n",
		wantErr: "compose.yaml:4:19: services.web.environment[0]: variable \"A\" is declared with a trailing space\n" +
			"compose.yaml:4:27: services.web.environment[1]: must be a string NAME=VALUE\n" +
			"compose.yaml:7:22: services.api.environment.A: must be a string, a number, a boolean or null"},
	{name: "healthcheck", compose: "services:\n  web:\n    image: x\n    healthcheck: {test: [FOO], interval: 10 s, retries: -1}\n",
		wantErr: "compose.yaml:4:42: services.web.healthcheck.interval: invalid duration \"10 s\" (a number and a unit: 30s, 1m30s, 2h, 1d)\n" +
			"compose.yaml:4:57: services.web.healthcheck.retries: must not be negative"},
	{name: "healthcheck test", compose: "services:\n  web:\n    image: x\n    healthcheck: {test: [FOO]}\n",
		wantErr: "compose.yaml:4:25: services.web.healthcheck.test: must start with CMD, CMD-SHELL or NONE"},
	{name: "deploy", compose: "services:\n  web:\n    image: x\n    deploy: {replicas: many, resources: {limits: {memory: 12q, cpus: lots}}}\n",
		wantErr: "compose.yaml:4:24: services.web.deploy.replicas: not an integer: \"many\"\n" +
			"compose.yaml:4:59: services.web.deploy.resources.limits.memory: invalid size \"12q\" (a number and a unit: 512m, 2g)\n" +
			"compose.yaml:4:70: services.web.deploy.resources.limits.cpus: not a number: \"lots\""},
	{name: "scale and replicas differ", compose: "services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 3}\n",
		wantErr: "compose.yaml:4:5: services.web: scale and deploy.replicas differ"},
	{name: "undefined dependency", compose: "services:\n  web:\n    image: x\n    depends_on: [db]\n",
		wantErr: "compose.yaml:4:5: services.web: depends on db: no service of that name"},
	{name: "dependency on a profile", compose: "services:\n  web:\n    image: x\n    links: [db]\n  db:\n    image: x\n    profiles: [dev]\n",
		wantErr: "compose.yaml:4:5: services.web: depends on db: a service of profiles [dev], which the import leaves out"},
	{name: "depends_on mapping without condition", compose: "services:\n  web:\n    image: x\n    depends_on: {db: {}}\n  db: {image: x}\n",
		wantErr: "compose.yaml:4:22: services.web.depends_on.db: condition is required (service_started, service_healthy or service_completed_successfully)"},
	{name: "dependency cycle", compose: "services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n",
		wantErr: "compose.yaml:2:3: services: dependency cycle: a -> b -> a"},
	{name: "undeclared secret", compose: "services:\n  web:\n    image: x\n    secrets: [token]\n",
		wantErr: "compose.yaml:4:5: services.web.secrets: secret token is not declared under the top-level secrets"},
	{name: "secret without source", compose: "services:\n  web:\n    image: x\n    secrets: [{target: /t}]\nsecrets:\n  s: {file: x, environment: Y}\n  t:\n",
		wantErr: "compose.yaml:4:15: services.web.secrets[0]: source (the secret's name) is required\n" +
			"compose.yaml:6:3: secrets.s: file and environment are mutually exclusive\n" +
			"compose.yaml:7:3: secrets.t: declare its file or environment"},
	{name: "alias loop", compose: "x-a: &a [*a]\nservices:\n  web: {image: x}\n",
		wantErr: "compose.yaml:1:6: x-a[0]: an alias refers to the node that contains it"},
	{name: "non-string key", compose: "services:\n  web:\n    image: x\n    1: y\n",
		wantErr: "compose.yaml:4:5: services.web: a key must be a string (int)"},
	{name: "build", compose: "services:\n  web:\n    build: {context: [a], dockerfile: D, dockerfile_inline: FROM x}\n",
		wantErr: "compose.yaml:3:22: services.web.build.context: must be a string"},
	{name: "dockerfile twice", compose: "services:\n  web:\n    build: {dockerfile: D, dockerfile_inline: FROM x}\n",
		wantErr: "compose.yaml:3:5: services.web.build: dockerfile and dockerfile_inline are mutually exclusive"},
}

func TestComposeReader(t *testing.T) {
	for _, c := range composeReaderCases {
		t.Run(c.name, func(t *testing.T) {
			p, err := readCompose("compose.yaml", []byte(c.compose), "import")
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("error:\n%v\nwant:\n%s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := dump(viewOfReader(p, "/compose-project").normalise())
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("read:\n%s\nwant it to contain\n%s", got, w)
				}
			}
		})
	}
}

// TestComposeReaderWarnsOfUnsetVariables: a variable read without a default is reported where it
// is, once for each value that reads it.
func TestComposeReaderWarnsOfUnsetVariables(t *testing.T) {
	p, err := readCompose("compose.yaml", []byte("services:\n  web:\n    image: x:${TAG}\n    environment: [\"A=${X:-1}\", \"B=$Y$Y\"]\n"), "import")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range p.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"compose.yaml:3: warning: variable TAG is not set (the import reads the file without an environment or .env file): replaced by an empty string",
		"compose.yaml:4: warning: variable Y is not set (the import reads the file without an environment or .env file): replaced by an empty string",
		"compose.yaml:4: warning: variable Y is not set (the import reads the file without an environment or .env file): replaced by an empty string",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
