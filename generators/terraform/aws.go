package terraform

import (
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/gantry-dev/gantry/blueprints"
)

// aws renders a service's module for AWS: RDS, ElastiCache, S3, SQS and MSK behind one customer-managed
// KMS key, in the platform's private subnets, reached by the workload through EKS Pod Identity.
type aws struct{}

func newAWS() *cloud {
	a := &aws{}
	rds := writer{write: a.rds, shared: []piece{{"rds_monitoring", a.rdsMonitoring}}}
	return &cloud{
		name: "AWS", provider: requiredProvider{"aws", "hashicorp/aws", AWSProvider}, backend: "s3",
		configure: a.providers, main: a.main, identity: a.identity,
		cluster: cluster{host: "data.aws_eks_cluster.this.endpoint", ca: "data.aws_eks_cluster.this.certificate_authority[0].data",
			command: "aws", args: `["eks", "get-token", "--cluster-name", var.cluster_name]`},
		workload: output{"workload_role_arn", "IAM role the service's pods assume through EKS Pod Identity.", "aws_iam_role.workload.arn"},
		writers: map[string]writer{"postgres": rds, "mysql": rds, "redis": {write: a.redis}, "bucket": {write: a.bucket},
			"queue": {write: a.queue}, "kafka": {write: a.kafka}},
	}
}

func (a *aws) providers(m *module, f *file) {
	p := f.top("provider", "aws")
	p.expr("region", "var.region")
	p.block("default_tags").expr("tags", "local.tags")
	f.data("aws_eks_cluster", "this").expr("name", "var.cluster_name")
}

func (a *aws) main(m *module, f *file, l body) {
	l.tokens("base_tags", baseTags(m))
	l.expr("tags", `merge(local.base_tags, { environment = var.environment })`)
	f.data("aws_caller_identity", "current")
	f.data("aws_partition", "current")

	k := f.resource("aws_kms_key", "this")
	k.tokens("description", template("gantry ", localName(), ": encryption of the service's data"))
	k.boolean("enable_key_rotation", true)
	k.num("deletion_window_in_days", 30)
	// The key policy delegates to IAM in this account; the workload's role gets only kms:Decrypt and
	// kms:GenerateDataKey on this key (identity.tf).
	k.expr("policy", `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministration"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })`)
	k.tags(named())
	al := f.resource("aws_kms_alias", "this")
	al.tokens("name", template("alias/gantry/", localName()))
	al.expr("target_key_id", "aws_kms_key.this.key_id")
}

// rdsMonitoring is the role RDS's enhanced monitoring publishes with, shared by the module's databases.
func (a *aws) rdsMonitoring(m *module, f *file) {
	r := f.resource("aws_iam_role", "rds_monitoring")
	r.tokens("name", named("-rds-monitoring"))
	r.expr("assume_role_policy", `jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "monitoring.rds.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })`)
	r.tags(named("-rds-monitoring"))
	att := f.resource("aws_iam_role_policy_attachment", "rds_monitoring")
	att.expr("role", "aws_iam_role.rds_monitoring.name")
	att.tokens("policy_arn", template("arn:", ref("data", "aws_partition", "current", "partition"), ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"))
}

// securityGroup lets only the cluster's pods reach a dependency's port.
func (a *aws) securityGroup(f *file, dep string, port int) {
	l := label(dep)
	sg := f.resource("aws_security_group", l)
	sg.tokens("name", named("-"+dep))
	sg.tokens("description", template("gantry ", localName(), ": "+dep+", reachable from the cluster only"))
	sg.expr("vpc_id", "var.vpc_id")
	sg.tags(named("-" + dep))
	in := f.resource("aws_vpc_security_group_ingress_rule", l)
	in.tokens("security_group_id", ref("aws_security_group", l, "id"))
	in.tokens("description", template("from the pods of cluster ", ref("var", "cluster_name")))
	in.expr("referenced_security_group_id", "var.cluster_security_group_id")
	in.str("ip_protocol", "tcp")
	in.num("from_port", port)
	in.num("to_port", port)
}

// secret creates the secret-store entry the Kubernetes side's ExternalSecret reads, encrypted with the
// service's key. Its value goes in through a write-only attribute: never in plan, state or outputs.
func (a *aws) secret(m *module, f *file, dep string, value hclwrite.Tokens) {
	l := label(dep)
	s := f.resource("aws_secretsmanager_secret", l)
	// One environment per account: the key is the same in each, as the ExternalSecret expects.
	s.str("name", m.storeKey(dep))
	s.tokens("description", template("gantry ", localName(), ": credentials of "+dep))
	s.expr("kms_key_id", "aws_kms_key.this.arn")
	s.num("recovery_window_in_days", 30)
	s.tags(named("-" + dep))
	v := f.resource("aws_secretsmanager_secret_version", l)
	v.tokens("secret_id", ref("aws_secretsmanager_secret", l, "id"))
	v.tokens("secret_string_wo", value)
	v.num("secret_string_wo_version", 1)
}

func (a *aws) rds(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	pg := d.Type == "postgres"
	port, engine, version, family, logs := 3306, "mysql", "8.4", "mysql8.4", []string{"error", "general", "slowquery"}
	if pg {
		port, engine, version, family, logs = 5432, "postgres", "17", "postgres17", []string{"postgresql", "upgrade"}
	}
	a.securityGroup(f, d.Name, port)
	sn := f.resource("aws_db_subnet_group", l)
	sn.tokens("name", named("-"+d.Name))
	sn.expr("subnet_ids", "var.private_subnet_ids")
	sn.tags(named("-" + d.Name))
	pgrp := f.resource("aws_db_parameter_group", l)
	pgrp.tokens("name", named("-"+d.Name))
	pgrp.str("family", family)
	param := pgrp.block("parameter")
	if pg {
		param.str("name", "rds.force_ssl")
		param.str("value", "1")
	} else {
		param.str("name", "require_secure_transport")
		param.str("value", "ON")
	}
	pgrp.tags(named("-" + d.Name))

	eph := f.top("ephemeral", "aws_secretsmanager_random_password", l)
	eph.num("password_length", 32)
	eph.boolean("exclude_punctuation", true)

	db := f.resource("aws_db_instance", l)
	db.tokens("identifier", named("-"+d.Name))
	db.str("engine", engine)
	db.str("engine_version", version)
	db.str("instance_class", size("aws", d.Type, d.Size))
	db.num("allocated_storage", 20)
	db.num("max_allocated_storage", 200)
	db.str("storage_type", "gp3")
	db.boolean("storage_encrypted", true)
	db.expr("kms_key_id", "aws_kms_key.this.arn")
	db.str("db_name", blueprints.DependencyDatabase(d))
	db.str("username", blueprints.DependencyUser)
	db.tokens("password_wo", ref("ephemeral", "aws_secretsmanager_random_password", l, "random_password"))
	db.num("password_wo_version", 1)
	db.boolean("iam_database_authentication_enabled", true)
	db.tokens("db_subnet_group_name", ref("aws_db_subnet_group", l, "name"))
	db.tokens("vpc_security_group_ids", tuple(ref("aws_security_group", l, "id")))
	db.tokens("parameter_group_name", ref("aws_db_parameter_group", l, "name"))
	db.boolean("publicly_accessible", false)
	db.expr("multi_az", "local.production")
	db.boolean("deletion_protection", true)
	db.expr("backup_retention_period", "local.production ? 30 : 7")
	db.boolean("copy_tags_to_snapshot", true)
	db.boolean("skip_final_snapshot", false)
	db.tokens("final_snapshot_identifier", named("-"+d.Name+"-final"))
	db.boolean("performance_insights_enabled", true)
	db.expr("performance_insights_kms_key_id", "aws_kms_key.this.arn")
	db.num("performance_insights_retention_period", 7)
	db.num("monitoring_interval", 60)
	db.expr("monitoring_role_arn", "aws_iam_role.rds_monitoring.arn")
	db.strs("enabled_cloudwatch_logs_exports", logs...)
	db.boolean("auto_minor_version_upgrade", true)
	db.tags(named("-" + d.Name))

	a.secret(m, f, d.Name, call("jsonencode", block(
		attr{"username", lit(blueprints.DependencyUser)},
		attr{"password", ref("ephemeral", "aws_secretsmanager_random_password", l, "random_password")},
	)))
	m.grant("Connect"+statementID(d.Name), []string{"rds-db:connect"}, regionalARN("rds-db", "dbuser:", ref("aws_db_instance", l, "resource_id"), "/app"))
	return settings{"HOST": ref("aws_db_instance", l, "address"), "PORT": call("tostring", ref("aws_db_instance", l, "port")),
		"NAME": ref("aws_db_instance", l, "db_name"), "USER": ref("aws_db_instance", l, "username")}
}

func (a *aws) redis(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	a.securityGroup(f, d.Name, 6379)
	sn := f.resource("aws_elasticache_subnet_group", l)
	sn.tokens("name", named("-"+d.Name))
	sn.expr("subnet_ids", "var.private_subnet_ids")
	sn.tags(named("-" + d.Name))
	pw := f.resource("random_password", l)
	pw.num("length", 48)
	pw.boolean("special", false)
	rg := f.resource("aws_elasticache_replication_group", l)
	// At most 40 characters, a provider limit.
	rg.tokens("replication_group_id", call("substr", named("-"+d.Name), number(0), number(40)))
	rg.tokens("description", template("gantry ", localName(), ": "+d.Name))
	rg.str("engine", "redis")
	rg.str("engine_version", "7.1")
	rg.str("node_type", size("aws", "redis", d.Size))
	rg.num("port", 6379)
	rg.expr("num_cache_clusters", "local.production ? 2 : 1")
	rg.expr("automatic_failover_enabled", "local.production")
	rg.expr("multi_az_enabled", "local.production")
	rg.tokens("subnet_group_name", ref("aws_elasticache_subnet_group", l, "name"))
	rg.tokens("security_group_ids", tuple(ref("aws_security_group", l, "id")))
	rg.boolean("at_rest_encryption_enabled", true)
	rg.expr("kms_key_id", "aws_kms_key.this.arn")
	rg.boolean("transit_encryption_enabled", true)
	rg.tokens("auth_token", ref("random_password", l, "result"))
	rg.num("snapshot_retention_limit", 7)
	rg.boolean("auto_minor_version_upgrade", true)
	rg.tags(named("-" + d.Name))
	a.secret(m, f, d.Name, call("jsonencode", object(attr{"password", ref("random_password", l, "result")})))
	return settings{"HOST": ref("aws_elasticache_replication_group", l, "primary_endpoint_address"), "PORT": lit("6379")}
}

func (a *aws) bucket(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	b := f.resource("aws_s3_bucket", l)
	// Bucket names are global: the account ID keeps them apart, the substr within 63 characters.
	b.tokens("bucket", template(call("substr", named("-"+d.Name), number(0), number(50)), "-", ref("data", "aws_caller_identity", "current", "account_id")))
	b.boolean("force_destroy", false)
	b.tags(named("-" + d.Name))
	pab := f.resource("aws_s3_bucket_public_access_block", l)
	pab.tokens("bucket", ref("aws_s3_bucket", l, "id"))
	for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
		pab.boolean(k, true)
	}
	own := f.resource("aws_s3_bucket_ownership_controls", l)
	own.tokens("bucket", ref("aws_s3_bucket", l, "id"))
	own.block("rule").str("object_ownership", "BucketOwnerEnforced")
	enc := f.resource("aws_s3_bucket_server_side_encryption_configuration", l)
	enc.tokens("bucket", ref("aws_s3_bucket", l, "id"))
	rule := enc.block("rule")
	def := rule.block("apply_server_side_encryption_by_default")
	def.str("sse_algorithm", "aws:kms")
	def.expr("kms_master_key_id", "aws_kms_key.this.arn")
	rule.boolean("bucket_key_enabled", true)
	ver := f.resource("aws_s3_bucket_versioning", l)
	ver.tokens("bucket", ref("aws_s3_bucket", l, "id"))
	ver.block("versioning_configuration").str("status", "Enabled")
	lg := f.resource("aws_s3_bucket_logging", l)
	lg.tokens("bucket", ref("aws_s3_bucket", l, "id"))
	lg.expr("target_bucket", "var.access_log_bucket")
	lg.tokens("target_prefix", named("/"+d.Name+"/"))
	pol := f.resource("aws_s3_bucket_policy", l)
	pol.tokens("bucket", ref("aws_s3_bucket", l, "id"))
	arn := ref("aws_s3_bucket", l, "arn")
	pol.tokens("policy", call("jsonencode", block(
		attr{"Version", lit("2012-10-17")},
		attr{"Statement", tuple(block(
			attr{"Sid", lit("DenyInsecureTransport")},
			attr{"Effect", lit("Deny")},
			attr{"Principal", lit("*")},
			attr{"Action", lit("s3:*")},
			attr{"Resource", tuple(arn, template(arn, "/*"))},
			attr{"Condition", object(attr{"Bool", object(attr{"aws:SecureTransport", lit("false")})})},
		))},
	)))
	sid := statementID(d.Name)
	m.grant("Objects"+sid, []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, template(arn, "/*"))
	m.grant("List"+sid, []string{"s3:ListBucket"}, arn)
	return settings{"BUCKET": ref("aws_s3_bucket", l, "bucket")}
}

func (a *aws) queue(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	dlq := f.resource("aws_sqs_queue", l+"_dlq")
	dlq.tokens("name", named("-"+d.Name+"-dlq"))
	dlq.expr("kms_master_key_id", "aws_kms_key.this.arn")
	dlq.num("message_retention_seconds", 1209600)
	dlq.tags(named("-" + d.Name + "-dlq"))
	q := f.resource("aws_sqs_queue", l)
	q.tokens("name", named("-"+d.Name))
	q.expr("kms_master_key_id", "aws_kms_key.this.arn")
	q.num("kms_data_key_reuse_period_seconds", 300)
	q.num("visibility_timeout_seconds", 60)
	q.num("message_retention_seconds", 345600)
	q.tokens("redrive_policy", call("jsonencode", object(attr{"deadLetterTargetArn", ref("aws_sqs_queue", l+"_dlq", "arn")}, attr{"maxReceiveCount", number(5)})))
	q.tags(named("-" + d.Name))
	m.grant("Messages"+statementID(d.Name),
		[]string{"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"},
		ref("aws_sqs_queue", l, "arn"))
	return settings{"QUEUE": ref("aws_sqs_queue", l, "url")}
}

func (a *aws) kafka(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	a.securityGroup(f, d.Name, 9098) // IAM authentication over TLS
	lg := f.resource("aws_cloudwatch_log_group", l)
	lg.tokens("name", template("/gantry/", localName(), "/"+d.Name))
	lg.num("retention_in_days", 30)
	lg.expr("kms_key_id", "aws_kms_key.this.arn")
	k := f.resource("aws_msk_cluster", l)
	k.tokens("cluster_name", named("-"+d.Name))
	k.str("kafka_version", "3.8.x")
	k.expr("number_of_broker_nodes", "length(var.private_subnet_ids) * (local.production ? 2 : 1)")
	bn := k.block("broker_node_group_info")
	bn.str("instance_type", size("aws", "kafka", d.Size))
	bn.expr("client_subnets", "var.private_subnet_ids")
	bn.tokens("security_groups", tuple(ref("aws_security_group", l, "id")))
	bn.block("storage_info").block("ebs_storage_info").num("volume_size", 100)
	bn.block("connectivity_info").block("public_access").str("type", "DISABLED")
	enc := k.block("encryption_info")
	enc.expr("encryption_at_rest_kms_key_arn", "aws_kms_key.this.arn")
	tr := enc.block("encryption_in_transit")
	tr.str("client_broker", "TLS")
	tr.boolean("in_cluster", true)
	ca := k.block("client_authentication")
	ca.boolean("unauthenticated", false)
	ca.block("sasl").boolean("iam", true)
	li := k.block("logging_info").block("broker_logs").block("cloudwatch_logs")
	li.boolean("enabled", true)
	li.tokens("log_group", ref("aws_cloudwatch_log_group", l, "name"))
	k.str("enhanced_monitoring", "PER_TOPIC_PER_BROKER")
	k.tags(named("-" + d.Name))
	sid, cluster := statementID(d.Name), ref("aws_msk_cluster", l, "cluster_name")
	m.grant("Cluster"+sid, []string{"kafka-cluster:Connect", "kafka-cluster:DescribeCluster"}, ref("aws_msk_cluster", l, "arn"))
	m.grant("Topics"+sid, []string{"kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData", "kafka-cluster:CreateTopic", "kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"},
		regionalARN("kafka", "topic/", cluster, "/*"), regionalARN("kafka", "group/", cluster, "/*"))
	return settings{"BROKERS": ref("aws_msk_cluster", l, "bootstrap_brokers_sasl_iam")}
}

// identity gives the service's Kubernetes ServiceAccount an IAM role through EKS Pod Identity, allowed
// exactly what its dependencies need on exactly its own resources: the key, and what the writers granted.
func (a *aws) identity(m *module) *file {
	f := newFile("identity.tf")
	r := f.resource("aws_iam_role", "workload")
	r.tokens("name", named("-workload"))
	r.expr("assume_role_policy", `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })`)
	r.tags(named("-workload"))
	stmts := append([]hclwrite.Tokens{iamStatement("UseTheServiceKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, ref("aws_kms_key", "this", "arn"))}, m.grants...)
	p := f.resource("aws_iam_role_policy", "workload")
	p.tokens("name", named("-workload"))
	p.expr("role", "aws_iam_role.workload.id")
	p.tokens("policy", call("jsonencode", block(attr{"Version", lit("2012-10-17")}, attr{"Statement", list(stmts...)})))
	pi := f.resource("aws_eks_pod_identity_association", "workload")
	pi.expr("cluster_name", "var.cluster_name")
	pi.str("namespace", m.s.Base.Namespace)
	pi.str("service_account", m.s.Name)
	pi.expr("role_arn", "aws_iam_role.workload.arn")
	return f
}

// grant adds a statement to the workload's policy: actions allowed on resources.
func (m *module) grant(sid string, actions []string, resources ...hclwrite.Tokens) {
	m.grants = append(m.grants, iamStatement(sid, actions, resources...))
}

func iamStatement(sid string, actions []string, resources ...hclwrite.Tokens) hclwrite.Tokens {
	acts := make([]hclwrite.Tokens, len(actions))
	for i, a := range actions {
		acts[i] = lit(a)
	}
	return block(attr{"Sid", lit(sid)}, attr{"Effect", lit("Allow")}, attr{"Action", tuple(acts...)}, attr{"Resource", tuple(resources...)})
}

// regionalARN is the start of an ARN in the module's partition, region and account:
// "arn:${partition}:<service>:${region}:${account}:".
func regionalARN(service string, rest ...any) hclwrite.Tokens {
	return template(append([]any{"arn:", ref("data", "aws_partition", "current", "partition"), ":" + service + ":", ref("var", "region"), ":",
		ref("data", "aws_caller_identity", "current", "account_id"), ":"}, rest...)...)
}

// statementID turns a dependency name (a DNS label) into the CamelCase an IAM statement ID allows.
func statementID(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
