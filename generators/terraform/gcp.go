package terraform

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/gantry-dev/gantry/blueprints"
)

// gcp renders a service's module for Google Cloud: Cloud SQL, Memorystore, Cloud Storage, Pub/Sub and
// Managed Service for Apache Kafka behind one Cloud KMS key, on the platform's VPC through private
// services access, reached by the workload through GKE Workload Identity Federation (roles granted to
// the Kubernetes ServiceAccount's principal directly: no Google service account, no key, no annotation).
type gcp struct{}

func (*gcp) name() string { return "GCP" }

func (g *gcp) head(m *module) []*file {
	return []*file{g.versions(m), g.providers(m), g.variables(m), g.main(m)}
}

func (g *gcp) tail(m *module) []*file { return []*file{g.outputs(m)} }

func (g *gcp) dependency(typ string) func(*module, *file, blueprints.Dependency) {
	switch typ {
	case "postgres", "mysql":
		return g.sql
	case "redis":
		return g.redis
	case "bucket":
		return g.bucket
	case "queue":
		return g.queue
	case "kafka":
		return g.kafka
	}
	return nil
}

func (g *gcp) versions(m *module) *file {
	f := newFile("versions.tf")
	tf := f.top("terraform")
	tf.str("required_version", RequiredTerraform)
	rp := tf.block("required_providers")
	rp.set("google", provider("hashicorp/google", GoogleProvider))
	rp.set("kubernetes", provider("hashicorp/kubernetes", KubernetesProvider))
	if hasType(m, "postgres", "mysql") {
		rp.set("random", provider("hashicorp/random", RandomProvider))
	}
	tf.blank().block("backend", "gcs")
	return f
}

func (g *gcp) providers(m *module) *file {
	f := newFile("providers.tf")
	p := f.top("provider", "google")
	p.expr("project", "var.project")
	p.expr("region", "var.region")
	p.expr("default_labels", "local.labels")
	f.data("google_client_config", "current")
	c := f.data("google_container_cluster", "this")
	c.expr("name", "var.cluster_name")
	c.expr("location", "var.cluster_location")
	k := f.top("provider", "kubernetes")
	k.tokens("host", template("https://", ref("data", "google_container_cluster", "this", "endpoint")))
	k.expr("token", "data.google_client_config.current.access_token")
	k.expr("cluster_ca_certificate", "base64decode(data.google_container_cluster.this.master_auth[0].cluster_ca_certificate)")
	return f
}

func (g *gcp) variables(m *module) *file {
	f := newFile("variables.tf")
	environmentVariable(f, m)
	for _, x := range []struct{ name, typ, desc, def string }{
		{"project", "string", "GCP project of the resources (and of the GKE cluster's workload identity pool).", m.p.Spec.Cloud.Project},
		{"region", "string", "Region of the resources.", m.p.Spec.Cloud.Region},
		{"network_id", "string", "VPC network (projects/P/global/networks/N) with private services access: the resources get private addresses in it.", ""},
		{"subnet_id", "string", "Subnetwork (projects/P/regions/R/subnetworks/S) where the Kafka cluster gets its addresses.", ""},
		{"cluster_name", "string", "GKE cluster the service runs in (Kubernetes provider).", ""},
		{"cluster_location", "string", "Region or zone of the GKE cluster.", ""},
		{"access_log_bucket", "string", "Existing Cloud Storage bucket that receives the access logs of the service's buckets.", ""},
	} {
		switch x.name {
		case "access_log_bucket":
			if !hasType(m, "bucket") {
				continue
			}
		case "network_id":
			if !hasType(m, "postgres", "mysql", "redis") {
				continue
			}
		case "subnet_id":
			if !hasType(m, "kafka") {
				continue
			}
		}
		v := f.top("variable", x.name)
		v.expr("type", x.typ)
		v.str("description", x.desc)
		if x.def != "" {
			v.str("default", x.def)
		}
	}
	return f
}

// environmentVariable declares var.environment, limited to the platform's environments.
func environmentVariable(f *file, m *module) {
	envs := m.p.Spec.Environments
	v := f.top("variable", "environment")
	v.expr("type", "string")
	v.str("description", "Environment this state is for: one of "+strings.Join(envs, ", ")+".")
	val := v.block("validation")
	names := make([]hclwrite.Tokens, len(envs))
	for i, e := range envs {
		names[i] = lit(e)
	}
	val.tokens("condition", call("contains", tuple(names...), ref("var", "environment")))
	val.str("error_message", "environment must be one of "+strings.Join(envs, ", ")+".")
}

// serviceAgents are the Google-managed identities that encrypt with the service's key for each
// dependency type.
var serviceAgents = map[string]string{
	"postgres": "gcp-sa-cloud-sql", "mysql": "gcp-sa-cloud-sql", "redis": "cloud-redis",
	"bucket": "gs-project-accounts", "queue": "gcp-sa-pubsub", "kafka": "gcp-sa-managedkafka",
}

func (g *gcp) main(m *module) *file {
	f := newFile("main.tf")
	l := f.top("locals")
	l.tokens("name", template(m.s.Name+"-", ref("var", "environment")))
	if hasType(m, "postgres", "mysql", "redis") {
		// Production gets regional databases and a highly available cache.
		l.tokens("production", eq(ref("var", "environment"), lit(m.production())))
	}
	l.set("base_labels", cty.ObjectVal(map[string]cty.Value{
		"gantry_platform": cty.StringVal(m.p.Name), "gantry_team": cty.StringVal(m.s.Team),
		"gantry_service": cty.StringVal(m.s.Name), "managed_by": cty.StringVal("gantry"),
	}))
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

	var agents []string
	for _, d := range m.s.Base.Dependencies {
		if a := serviceAgents[d.Type]; !slices.Contains(agents, a) {
			agents = append(agents, a)
		}
	}
	slices.Sort(agents)
	for _, a := range agents {
		grant := f.resource("google_kms_crypto_key_iam_member", label(a))
		grant.expr("crypto_key_id", "google_kms_crypto_key.this.id")
		grant.str("role", "roles/cloudkms.cryptoKeyEncrypterDecrypter")
		grant.tokens("member", template("serviceAccount:service-", ref("data", "google_project", "this", "number"), "@"+a+".iam.gserviceaccount.com"))
	}
	return f
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

func (g *gcp) sql(m *module, f *file, d blueprints.Dependency) {
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
	db.str("name", strings.ReplaceAll(d.Name, "-", "_"))
	db.tokens("instance", ref("google_sql_database_instance", l, "name"))

	eph := f.top("ephemeral", "random_password", l)
	eph.num("length", 32)
	eph.boolean("special", false)
	adm := f.resource("google_sql_user", l)
	adm.str("name", "app")
	adm.tokens("instance", ref("google_sql_database_instance", l, "name"))
	adm.tokens("password_wo", ref("ephemeral", "random_password", l, "result"))
	adm.num("password_wo_version", 1)
	g.secret(m, f, d.Name, call("jsonencode", object(attr{"username", lit("app")}, attr{"password", ref("ephemeral", "random_password", l, "result")})))
	client := f.resource("google_project_iam_member", l+"_client")
	client.expr("project", "var.project")
	client.str("role", "roles/cloudsql.client")
	client.expr("member", "local.workload")
}

func (g *gcp) redis(m *module, f *file, d blueprints.Dependency) {
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
}

func (g *gcp) bucket(m *module, f *file, d blueprints.Dependency) {
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
}

func (g *gcp) queue(m *module, f *file, d blueprints.Dependency) {
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
}

func (g *gcp) kafka(m *module, f *file, d blueprints.Dependency) {
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
}

// outputs exports the connection settings and writes them into the workload's ConfigMap.
func (g *gcp) outputs(m *module) *file {
	data := map[string]hclwrite.Tokens{}
	for _, d := range m.s.Base.Dependencies {
		l, p := label(d.Name), blueprints.EnvPrefix(d)
		switch d.Type {
		case "postgres", "mysql":
			port := lit("3306")
			if d.Type == "postgres" {
				port = lit("5432")
			}
			data[p+"HOST"] = ref("google_sql_database_instance", l, "private_ip_address")
			data[p+"PORT"] = port
			data[p+"NAME"] = ref("google_sql_database", l, "name")
			data[p+"USER"] = ref("google_sql_user", l, "name")
		case "redis":
			data[p+"HOST"] = ref("google_redis_instance", l, "host")
			data[p+"PORT"] = call("tostring", ref("google_redis_instance", l, "port"))
		case "bucket":
			data[p+"BUCKET"] = ref("google_storage_bucket", l, "name")
		case "queue":
			data[p+"QUEUE"] = ref("google_pubsub_subscription", l, "id")
		case "kafka":
			data[p+"BROKERS"] = template("bootstrap.", ref("google_managed_kafka_cluster", l, "cluster_id"), ".", ref("var", "region"), ".managedkafka.", ref("var", "project"), ".cloud.goog:9092")
		}
	}
	return connectionOutputs(m, data)
}

// connectionOutputs writes the ConfigMap the workload reads its connection settings from, and one
// output per setting (plus extra outputs, if any).
func connectionOutputs(m *module, data map[string]hclwrite.Tokens) *file {
	f := newFile("outputs.tf")
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	cm := f.resource("kubernetes_config_map_v1", "dependencies")
	md := cm.block("metadata")
	md.str("name", blueprints.DependencyConfigMap(m.s.Name))
	md.str("namespace", m.s.Base.Namespace)
	md.set("labels", cty.MapVal(map[string]cty.Value{"app.kubernetes.io/managed-by": cty.StringVal("gantry"), "app.kubernetes.io/name": cty.StringVal(m.s.Name)}))
	attrs := make([]attr, len(keys))
	for i, k := range keys {
		attrs[i] = attr{k, data[k]}
	}
	cm.tokens("data", block(attrs...))
	for _, k := range keys {
		o := f.top("output", strings.ToLower(k))
		o.str("description", "Connection setting "+k+" of the service.")
		o.tokens("value", data[k])
	}
	return f
}
