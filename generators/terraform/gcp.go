package terraform

import (
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/gantry-dev/gantry/blueprints"
)

// gcp renders a service's module for Google Cloud: Cloud SQL, Memorystore, Cloud Storage, Pub/Sub and
// Managed Service for Apache Kafka behind one Cloud KMS key, on the platform's VPC through private
// services access, reached by the workload through GKE Workload Identity Federation (roles granted to
// the Kubernetes ServiceAccount's principal directly: no Google service account, no key, no annotation).
type gcp struct{}

func newGCP() *cloud {
	g := &gcp{}
	sql := writer{write: g.sql, shared: g.agent("gcp-sa-cloud-sql")}
	return &cloud{
		name: "GCP", provider: requiredProvider{"google", "hashicorp/google", GoogleProvider}, backend: "gcs",
		configure: g.providers, main: g.main,
		cluster: cluster{host: `"https://${data.google_container_cluster.this.endpoint}"`, token: "data.google_client_config.current.access_token",
			ca: "data.google_container_cluster.this.master_auth[0].cluster_ca_certificate"},
		writers: map[string]writer{"postgres": sql, "mysql": sql,
			"redis":  {write: g.redis, shared: g.agent("cloud-redis")},
			"bucket": {write: g.bucket, shared: g.agent("gs-project-accounts")},
			"queue":  {write: g.queue, shared: g.agent("gcp-sa-pubsub")},
			"kafka":  {write: g.kafka, shared: g.agent("gcp-sa-managedkafka")}},
	}
}

func (g *gcp) providers(m *module, f *file) {
	p := f.top("provider", "google")
	p.expr("project", "var.project")
	p.expr("region", "var.region")
	p.expr("default_labels", "local.labels")
	f.data("google_client_config", "current")
	c := f.data("google_container_cluster", "this")
	c.expr("name", "var.cluster_name")
	c.expr("location", "var.cluster_location")
}

func (g *gcp) main(m *module, f *file, l body) {
	l.tokens("base_labels", baseTags(m))
	l.expr("labels", `merge(local.base_labels, { environment = var.environment })`)
	// The workload's identity: its Kubernetes ServiceAccount, as a Workload Identity Federation principal.
	l.tokens("workload", template("principal://iam.googleapis.com/projects/", ref("data", "google_project", "this", "number"),
		"/locations/global/workloadIdentityPools/", ref("var", "project"), ".svc.id.goog/subject/ns/"+m.s.Base.Namespace+"/sa/"+m.s.Name))
	f.data("google_project", "this").expr("project_id", "var.project")

	kr := f.resource("google_kms_key_ring", "this")
	kr.tokens("name", template("gantry-", localName()))
	kr.expr("location", "var.region")
	k := f.resource("google_kms_crypto_key", "this")
	k.str("name", "data")
	k.expr("key_ring", "google_kms_key_ring.this.id")
	k.str("rotation_period", "7776000s")
	k.str("purpose", "ENCRYPT_DECRYPT")
	k.block("lifecycle").boolean("prevent_destroy", true)
}

// agent lets a Google-managed service identity (a service agent) encrypt with the service's key: the
// agent of the service that stores a dependency's data.
func (g *gcp) agent(name string) []piece {
	return []piece{{name, func(m *module, f *file) {
		grant := f.resource("google_kms_crypto_key_iam_member", label(name))
		grant.expr("crypto_key_id", "google_kms_crypto_key.this.id")
		grant.str("role", "roles/cloudkms.cryptoKeyEncrypterDecrypter")
		grant.tokens("member", template("serviceAccount:service-", ref("data", "google_project", "this", "number"), "@"+name+".iam.gserviceaccount.com"))
	}}}
}

// secret stores credentials in Secret Manager, encrypted with the service's key; the value goes in
// through a write-only attribute.
func (g *gcp) secret(m *module, f *file, dep string, value hclwrite.Tokens) {
	l := label(dep)
	s := f.resource("google_secret_manager_secret", l)
	s.str("secret_id", m.storeKey(dep))
	rep := s.block("replication").block("user_managed").block("replicas")
	rep.expr("location", "var.region")
	rep.block("customer_managed_encryption").expr("kms_key_name", "google_kms_crypto_key.this.id")
	s.expr("labels", "local.labels")
	v := f.resource("google_secret_manager_secret_version", l)
	v.tokens("secret", ref("google_secret_manager_secret", l, "id"))
	v.tokens("secret_data_wo", value)
	v.num("secret_data_wo_version", 1)
	gr := f.resource("google_secret_manager_secret_iam_member", l)
	gr.tokens("secret_id", ref("google_secret_manager_secret", l, "id"))
	gr.str("role", "roles/secretmanager.secretAccessor")
	gr.expr("member", "local.workload")
}

func (g *gcp) sql(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	pg := d.Type == "postgres"
	version := "MYSQL_8_4"
	if pg {
		version = "POSTGRES_17"
	}
	i := f.resource("google_sql_database_instance", l)
	i.tokens("name", named("-"+d.Name))
	i.str("database_version", version)
	i.expr("region", "var.region")
	i.boolean("deletion_protection", true)
	i.expr("encryption_key_name", "google_kms_crypto_key.this.id")
	st := i.block("settings")
	st.str("tier", size("gcp", d.Type, d.Size))
	st.str("edition", "ENTERPRISE")
	st.expr("availability_type", `local.production ? "REGIONAL" : "ZONAL"`)
	st.boolean("deletion_protection_enabled", true)
	st.boolean("disk_autoresize", true)
	st.str("disk_type", "PD_SSD")
	st.expr("user_labels", "local.labels")
	ip := st.block("ip_configuration")
	ip.boolean("ipv4_enabled", false)
	ip.expr("private_network", "var.network_id")
	ip.str("ssl_mode", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
	bk := st.block("backup_configuration")
	bk.boolean("enabled", true)
	if pg {
		bk.boolean("point_in_time_recovery_enabled", true)
	} else {
		bk.boolean("binary_log_enabled", true)
	}
	bk.str("start_time", "02:00")
	bk.num("transaction_log_retention_days", 7)
	bk.block("backup_retention_settings").num("retained_backups", 14)
	flags := [][2]string{{"cloudsql.iam_authentication", "on"}, {"log_checkpoints", "on"}, {"log_connections", "on"},
		{"log_disconnections", "on"}, {"log_lock_waits", "on"}, {"log_min_error_statement", "error"}, {"log_temp_files", "0"},
		{"log_min_duration_statement", "-1"}, {"log_min_messages", "warning"}, {"cloudsql.enable_pgaudit", "on"}, {"pgaudit.log", "all"}}
	if !pg {
		flags = [][2]string{{"cloudsql_iam_authentication", "on"}, {"local_infile", "off"}, {"skip_show_database", "on"}}
	}
	for _, fl := range flags {
		b := st.block("database_flags")
		b.str("name", fl[0])
		b.str("value", fl[1])
	}
	st.block("insights_config").boolean("query_insights_enabled", true)

	db := f.resource("google_sql_database", l)
	db.str("name", blueprints.DependencyDatabase(d))
	db.tokens("instance", ref("google_sql_database_instance", l, "name"))

	eph := f.top("ephemeral", "random_password", l)
	eph.num("length", 32)
	eph.boolean("special", false)
	adm := f.resource("google_sql_user", l)
	adm.str("name", blueprints.DependencyUser)
	adm.tokens("instance", ref("google_sql_database_instance", l, "name"))
	adm.tokens("password_wo", ref("ephemeral", "random_password", l, "result"))
	adm.num("password_wo_version", 1)
	g.secret(m, f, d.Name, call("jsonencode", object(attr{"username", lit(blueprints.DependencyUser)}, attr{"password", ref("ephemeral", "random_password", l, "result")})))
	client := f.resource("google_project_iam_member", l+"_client")
	client.expr("project", "var.project")
	client.str("role", "roles/cloudsql.client")
	client.expr("member", "local.workload")
	return settings{"HOST": ref("google_sql_database_instance", l, "private_ip_address"), "PORT": lit(map[bool]string{true: "5432", false: "3306"}[pg]),
		"NAME": ref("google_sql_database", l, "name"), "USER": ref("google_sql_user", l, "name")}
}

func (g *gcp) redis(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	r := f.resource("google_redis_instance", l)
	r.tokens("name", named("-"+d.Name))
	r.expr("region", "var.region")
	r.expr("tier", `local.production ? "STANDARD_HA" : "BASIC"`)
	r.num("memory_size_gb", map[string]int{"small": 1, "medium": 5, "large": 16}[d.Size])
	r.str("redis_version", "REDIS_7_2")
	r.expr("authorized_network", "var.network_id")
	r.str("connect_mode", "PRIVATE_SERVICE_ACCESS")
	r.boolean("auth_enabled", true)
	r.str("transit_encryption_mode", "SERVER_AUTHENTICATION")
	r.expr("customer_managed_key", "google_kms_crypto_key.this.id")
	pc := r.block("persistence_config")
	pc.str("persistence_mode", "RDB")
	pc.str("rdb_snapshot_period", "TWELVE_HOURS")
	r.expr("labels", "local.labels")
	g.secret(m, f, d.Name, call("jsonencode", object(attr{"password", ref("google_redis_instance", l, "auth_string")})))
	return settings{"HOST": ref("google_redis_instance", l, "host"), "PORT": call("tostring", ref("google_redis_instance", l, "port"))}
}

func (g *gcp) bucket(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	b := f.resource("google_storage_bucket", l)
	b.tokens("name", template(call("substr", named("-"+d.Name), number(0), number(50)), "-", ref("data", "google_project", "this", "number")))
	b.expr("location", "var.region")
	b.boolean("uniform_bucket_level_access", true)
	b.str("public_access_prevention", "enforced")
	b.boolean("force_destroy", false)
	b.block("versioning").boolean("enabled", true)
	b.block("encryption").expr("default_kms_key_name", "google_kms_crypto_key.this.id")
	lg := b.block("logging")
	lg.expr("log_bucket", "var.access_log_bucket")
	lg.tokens("log_object_prefix", named("/"+d.Name+"/"))
	b.block("soft_delete_policy").num("retention_duration_seconds", 604800)
	b.expr("labels", "local.labels")
	b.expr("depends_on", "[google_kms_crypto_key_iam_member.gs_project_accounts]")
	gr := f.resource("google_storage_bucket_iam_member", l)
	gr.tokens("bucket", ref("google_storage_bucket", l, "name"))
	gr.str("role", "roles/storage.objectUser")
	gr.expr("member", "local.workload")
	return settings{"BUCKET": ref("google_storage_bucket", l, "name")}
}

func (g *gcp) queue(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	for _, suffix := range []string{"", "_dlq"} {
		t := f.resource("google_pubsub_topic", l+suffix)
		t.tokens("name", named("-"+d.Name+strings.ReplaceAll(suffix, "_", "-")))
		t.expr("kms_key_name", "google_kms_crypto_key.this.id")
		t.str("message_retention_duration", "604800s")
		t.expr("labels", "local.labels")
		t.expr("depends_on", "[google_kms_crypto_key_iam_member.gcp_sa_pubsub]")
	}
	s := f.resource("google_pubsub_subscription", l)
	s.tokens("name", named("-"+d.Name))
	s.tokens("topic", ref("google_pubsub_topic", l, "id"))
	s.num("ack_deadline_seconds", 60)
	s.str("message_retention_duration", "604800s")
	dl := s.block("dead_letter_policy")
	dl.tokens("dead_letter_topic", ref("google_pubsub_topic", l+"_dlq", "id"))
	dl.num("max_delivery_attempts", 5)
	s.expr("labels", "local.labels")
	// Pub/Sub's own identity moves undeliverable messages: it publishes to the dead-letter topic and
	// acknowledges on the subscription.
	for _, x := range []struct {
		typ, name, attr string
		ref             hclwrite.Tokens
		role            string
	}{
		{"google_pubsub_topic_iam_member", l + "_dlq_agent", "topic", ref("google_pubsub_topic", l+"_dlq", "id"), "roles/pubsub.publisher"},
		{"google_pubsub_subscription_iam_member", l + "_agent", "subscription", ref("google_pubsub_subscription", l, "id"), "roles/pubsub.subscriber"},
	} {
		r := f.resource(x.typ, x.name)
		r.tokens(x.attr, x.ref)
		r.str("role", x.role)
		r.tokens("member", template("serviceAccount:service-", ref("data", "google_project", "this", "number"), "@gcp-sa-pubsub.iam.gserviceaccount.com"))
	}
	for _, x := range []struct {
		typ, name, attr string
		ref             hclwrite.Tokens
		role            string
	}{
		{"google_pubsub_topic_iam_member", l, "topic", ref("google_pubsub_topic", l, "id"), "roles/pubsub.publisher"},
		{"google_pubsub_subscription_iam_member", l, "subscription", ref("google_pubsub_subscription", l, "id"), "roles/pubsub.subscriber"},
	} {
		r := f.resource(x.typ, x.name)
		r.tokens(x.attr, x.ref)
		r.str("role", x.role)
		r.expr("member", "local.workload")
	}
	return settings{"QUEUE": ref("google_pubsub_subscription", l, "id")}
}

func (g *gcp) kafka(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	k := f.resource("google_managed_kafka_cluster", l)
	k.tokens("cluster_id", named("-"+d.Name))
	k.expr("location", "var.region")
	cc := k.block("capacity_config")
	vcpu := map[string]int{"small": 3, "medium": 6, "large": 12}[d.Size]
	cc.num("vcpu_count", vcpu)
	cc.num("memory_bytes", vcpu*4*1<<30)
	gc := k.block("gcp_config")
	gc.block("access_config").block("network_configs").expr("subnet", "var.subnet_id")
	gc.expr("kms_key", "google_kms_crypto_key.this.id")
	k.expr("labels", "local.labels")
	k.expr("depends_on", "[google_kms_crypto_key_iam_member.gcp_sa_managedkafka]")
	client := f.resource("google_project_iam_member", l+"_client")
	client.expr("project", "var.project")
	client.str("role", "roles/managedkafka.client")
	client.expr("member", "local.workload")
	return settings{"BROKERS": template("bootstrap.", ref("google_managed_kafka_cluster", l, "cluster_id"), ".", ref("var", "region"), ".managedkafka.", ref("var", "project"), ".cloud.goog:9092")}
}
