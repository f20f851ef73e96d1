package importer

import (
	"strings"
)

// images maps well-known images (repository without registry host, tag or digest) to the Gantry
// dependency type they become: one row per image, read by the Compose import.
var images = map[string]string{
	"postgres": "postgres", "library/postgres": "postgres", "bitnami/postgresql": "postgres",
	"postgis/postgis": "postgres", "timescale/timescaledb": "postgres", "cimg/postgres": "postgres",
	"mysql": "mysql", "library/mysql": "mysql", "mariadb": "mysql", "library/mariadb": "mysql",
	"bitnami/mysql": "mysql", "bitnami/mariadb": "mysql", "mysql/mysql-server": "mysql", "percona": "mysql",
	"redis": "redis", "library/redis": "redis", "bitnami/redis": "redis", "redis/redis-stack-server": "redis",
	"valkey/valkey": "redis", "bitnami/valkey": "redis", "eqalpha/keydb": "redis",
	"apache/kafka": "kafka", "apache/kafka-native": "kafka", "bitnami/kafka": "kafka",
	"confluentinc/cp-kafka": "kafka", "confluentinc/cp-server": "kafka", "wurstmeister/kafka": "kafka",
	"redpandadata/redpanda": "kafka", "vectorized/redpanda": "kafka",
	"minio/minio": "bucket", "bitnami/minio": "bucket",
}

// unsupportedImages are well-known servers with no Gantry dependency type: said so in the report,
// instead of being imported as a service.
var unsupportedImages = map[string]string{
	"mongo": "MongoDB", "library/mongo": "MongoDB", "bitnami/mongodb": "MongoDB",
	"rabbitmq": "RabbitMQ (AMQP)", "library/rabbitmq": "RabbitMQ (AMQP)", "bitnami/rabbitmq": "RabbitMQ (AMQP)",
	"elasticsearch": "Elasticsearch", "library/elasticsearch": "Elasticsearch",
	"mcr.microsoft.com/mssql/server": "SQL Server", "memcached": "Memcached", "library/memcached": "Memcached",
	"zookeeper": "ZooKeeper (Kafka in KRaft mode needs none)", "confluentinc/cp-zookeeper": "ZooKeeper (Kafka in KRaft mode needs none)",
	"bitnami/zookeeper": "ZooKeeper (Kafka in KRaft mode needs none)",
}

// scoreTypes maps Score resource types to Gantry dependency types.
var scoreTypes = map[string]string{
	"postgres": "postgres", "postgresql": "postgres", "mysql": "mysql", "redis": "redis",
	"kafka-topic": "kafka", "kafka": "kafka", "s3": "bucket",
}

// scoreFields maps a Score resource's output names to the Gantry placeholder field, per Gantry type.
var scoreFields = map[string]map[string]string{
	"postgres": {"host": "host", "port": "port", "name": "name", "database": "name", "username": "user", "user": "user", "password": "password"},
	"mysql":    {"host": "host", "port": "port", "name": "name", "database": "name", "username": "user", "user": "user", "password": "password"},
	"redis":    {"host": "host", "port": "port", "password": "password"},
	"kafka":    {},
	"bucket":   {"bucket": "bucket"},
}

// depFields are the placeholder fields of each Gantry dependency type (docs/blueprint.md's table).
var depFields = map[string][]string{
	"postgres": {"host", "port", "name", "user", "address", "password", "url"},
	"mysql":    {"host", "port", "name", "user", "address", "password", "url"},
	"redis":    {"host", "port", "address", "password", "url"},
	"bucket":   {"bucket"},
	"queue":    {"queue"},
	"kafka":    {"brokers"},
}

// urlSchemes are the URL schemes that name a dependency type's own protocol: such a URL becomes the
// dependency's url placeholder.
var urlSchemes = map[string][]string{
	"postgres": {"postgres", "postgresql"},
	"mysql":    {"mysql", "mysql2"},
	"redis":    {"redis", "rediss"},
}

// imageRepo returns an image reference's repository without registry host (docker.io and friends),
// tag or digest.
func imageRepo(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	parts := strings.Split(ref, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		if strings.HasPrefix(parts[0], "mcr.microsoft.com") {
			last := parts[len(parts)-1]
			if i := strings.LastIndex(last, ":"); i >= 0 {
				parts[len(parts)-1] = last[:i]
			}
			return strings.Join(parts, "/")
		}
		parts = parts[1:]
	}
	last := parts[len(parts)-1]
	if i := strings.LastIndex(last, ":"); i >= 0 {
		parts[len(parts)-1] = last[:i]
	}
	return strings.Join(parts, "/")
}
