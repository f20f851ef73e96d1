package catalog

import "sort"

// DependencyImage is the container that runs a dependency type outside a cloud: on a developer's machine (the
// compose target) or, later, in the cluster. It says nothing about the target that runs it: the values
// of Env, Command and Health may hold {name}, {user} and {password}, which the target fills with the
// dependency's settings and its local-only credentials.
type DependencyImage struct {
	Type string // the dependency type (Dependency.Type)
	// Ref is repository:tag@sha256:digest, the multi-platform index digest of the tag, read from
	// Evidence: never typed from memory.
	Ref string
	// Evidence is where the digest was read (repository, path and commit).
	Evidence string
	Port     int32  // where clients connect
	User     string // numeric uid:gid of the image's own service user, so it never starts as root
	// DataPath is the folder that holds its data (a volume), "" when it keeps nothing worth keeping.
	DataPath string
	// Writable are the folders besides DataPath it writes to at run time (sockets, temporary files):
	// each gets a tmpfs when the root filesystem is read-only.
	Writable []string
	// ReadOnlyRoot is false for an image whose entrypoint writes its configuration into the image's
	// own folders at start (apache/kafka renders server.properties under /opt/kafka/config).
	ReadOnlyRoot bool
	// ConfigPath is a folder of the image that its entrypoint rewrites at start, where the target can
	// make it writable without giving up a read-only root filesystem: the cluster seeds a writable
	// copy of it with an init container. "" when there is none.
	ConfigPath string
	Env        map[string]string // its configuration: credentials, database name, listeners
	Command    []string          // arguments, when the image needs some (nil: its default command)
	Health     []string          // an exec-form command that succeeds once it accepts clients
}

// Placeholders of DependencyImage's Env, Command and Health values.
const (
	ImageName     = "{name}"     // the database name
	ImageUser     = "{user}"     // the user the service connects as
	ImagePassword = "{password}" // the user's password: a local-only value, never a real secret
	// ImageRootPassword is the server's administrator password, which no service uses: its own value
	// in the cluster, the local-only one on a developer's machine.
	ImageRootPassword = "{rootpassword}"
	ImageHost         = "{host}" // the name clients reach it at
)

// images are the dependency types that have a local container. bucket and queue have none: they are
// cloud APIs (S3, Cloud Storage, Blob Storage; SQS, Pub/Sub, Service Bus) that an app reaches through its
// cloud's SDK, and no one image speaks all three clouds' protocols.
//
// Every digest is the OCI image index (all platforms) of the tag, read in docker-library/repo-info,
// the Docker official images' metadata repository, for the official images, and for apache/kafka (not a
// Docker official image, so not in repo-info) in public files that pin it.
var images = map[string]DependencyImage{
	"postgres": {
		Type:     "postgres",
		Ref:      "docker.io/library/postgres:17@sha256:f4c66b820c6f974249089d3d16d86a3698eae11e8746eb6644b2271031e91232",
		Evidence: "docker-library/repo-info repos/postgres/remote/17.md at commit 0b63eeca29bdd695a0db3d3249137b9929da650d: `docker pull postgres@sha256:f4c66b82...` (OCI index, 16 platforms; PG_VERSION=17.11-1.pgdg13+2 on Debian trixie, built 2026-09-19; user postgres is uid/gid 999)",
		Port:     5432, User: "999:999",
		DataPath: "/var/lib/postgresql/data", Writable: []string{"/tmp", "/var/run/postgresql"}, ReadOnlyRoot: true,
		// PGDATA is a folder below the volume's root: initdb refuses a mount point that holds lost+found.
		Env: map[string]string{"POSTGRES_DB": ImageName, "POSTGRES_USER": ImageUser, "POSTGRES_PASSWORD": ImagePassword,
			"PGDATA": "/var/lib/postgresql/data/pgdata"},
		Health: []string{"pg_isready", "-U", ImageUser, "-d", ImageName},
	},
	"mysql": {
		Type:     "mysql",
		Ref:      "docker.io/library/mysql:8.4@sha256:85b9bf2e29cf836ecb8c2a15a935d4ba0c606631dff1dd79531a11983c638f2a",
		Evidence: "docker-library/repo-info repos/mysql/remote/8.4.md at commit 0f0c69aaf7d364b2fd5a00f9141c6b51de83f2cb: `docker pull mysql@sha256:85b9bf2e...` (OCI index, amd64 and arm64; MYSQL_VERSION=8.4.11-1.el9, built 2026-09-12; user mysql is uid/gid 999)",
		Port:     3306, User: "999:999",
		DataPath: "/var/lib/mysql", Writable: []string{"/tmp", "/var/run/mysqld"}, ReadOnlyRoot: true,
		Env: map[string]string{"MYSQL_DATABASE": ImageName, "MYSQL_USER": ImageUser, "MYSQL_PASSWORD": ImagePassword,
			"MYSQL_ROOT_PASSWORD": ImageRootPassword},
		// The data folder is below the volume's root: mysqld --initialize refuses a folder that holds
		// anything, and a fresh volume may hold lost+found.
		Command: []string{"mysqld", "--datadir=/var/lib/mysql/data"},
		Health:  []string{"mysqladmin", "ping", "--host=127.0.0.1", "--silent"},
	},
	"redis": {
		Type:     "redis",
		Ref:      "docker.io/library/redis:8@sha256:8a1efc5f479551822b47424ccae982026b633f28818eab0387348120a61e10e2",
		Evidence: "docker-library/repo-info repos/redis/remote/8.md at commit 0ae7309187d6256f5549f0408473cfa4a23383ea: `docker pull redis@sha256:8a1efc5f...` (OCI index, 16 platforms; REDIS_VERSION=8.10.1 on Debian trixie, built 2026-09-19; user redis is uid/gid 999)",
		Port:     6379, User: "999:999",
		DataPath: "/data", Writable: []string{"/tmp"}, ReadOnlyRoot: true,
		// redis-cli reads the password from REDISCLI_AUTH, so the health check needs no argument for it.
		Env:     map[string]string{"REDISCLI_AUTH": ImagePassword},
		Command: []string{"redis-server", "--requirepass", ImagePassword},
		Health:  []string{"redis-cli", "ping"},
	},
	"kafka": {
		Type: "kafka",
		Ref:  "docker.io/apache/kafka:4.1.1@sha256:0bc1bb2478f45b6cea78864df86acdc11e8df2c5172477819a4d12942cbe5d40",
		Evidence: "apache/kafka is Apache's own image, not a Docker official image, so repo-info has no page for it. " +
			"The digest is the one pinned for apache/kafka:4.1.1 in 9 public files found with find_string " +
			"(\"apache/kafka:4.1.1@sha256:\"), among them a Docker Image Locks table (index id 55208888066) and " +
			"test scripts that docker pull it (ids 70913174001, 71156271235, 70190467531); the index did not " +
			"name their repositories. One further file pins 4.1.1 at sha256:7240ff45... (id 61658980106), " +
			"likely an earlier build of the tag: re-resolve with `docker buildx imagetools inspect` before relying on it. " +
			"The image runs as appuser (uid 1000).",
		Port: 9092, User: "1000:1000",
		// Data stays in the image's default log.dirs under /tmp: a local broker's topics are disposable.
		Writable: []string{"/tmp"}, ReadOnlyRoot: false, ConfigPath: "/opt/kafka/config",
		Env: map[string]string{
			// The image's default heap is 1 GiB, more than a development broker needs or its memory
			// limit in the cluster allows.
			"KAFKA_HEAP_OPTS":                                "-Xmx512m -Xms512m",
			"KAFKA_NODE_ID":                                  "1",
			"KAFKA_PROCESS_ROLES":                            "broker,controller",
			"KAFKA_LISTENERS":                                "PLAINTEXT://:9092,CONTROLLER://:9093",
			"KAFKA_ADVERTISED_LISTENERS":                     "PLAINTEXT://" + ImageHost + ":9092",
			"KAFKA_CONTROLLER_LISTENER_NAMES":                "CONTROLLER",
			"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP":           "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
			"KAFKA_CONTROLLER_QUORUM_VOTERS":                 "1@localhost:9093",
			"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR":         "1",
			"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
			"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR":            "1",
			"KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS":         "0",
		},
		// The check is a JVM of its own: a small heap, not the broker's KAFKA_HEAP_OPTS, beside it.
		Health: []string{"env", "KAFKA_HEAP_OPTS=-Xmx64m", "/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", "localhost:9092"},
	},
}

// LocalImage returns the container of a dependency type, false when the type has none (bucket, queue).
func LocalImage(typ string) (DependencyImage, bool) {
	img, ok := images[typ]
	return img, ok
}

// LocalImages lists the types that have a container, sorted.
func LocalImages() []string {
	out := make([]string, 0, len(images))
	for t := range images {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
