package terraform_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// required are the secure settings of the checklist, per resource type: attribute path -> the
// expression's source text it must have. A nested block is written as block.attribute.
var required = map[string]map[string]string{
	// AWS
	"aws_db_instance": {"storage_encrypted": "true", "kms_key_id": "aws_kms_key.this.arn", "publicly_accessible": "false",
		"deletion_protection": "true", "iam_database_authentication_enabled": "true", "backup_retention_period": "local.production ? 30 : 7",
		"performance_insights_enabled": "true", "performance_insights_kms_key_id": "aws_kms_key.this.arn", "monitoring_interval": "60",
		"multi_az": "local.production", "password_wo_version": "1"},
	"aws_db_parameter_group":                             {"parameter.value": `"1"|"ON"`},
	"aws_elasticache_replication_group":                  {"at_rest_encryption_enabled": "true", "transit_encryption_enabled": "true", "kms_key_id": "aws_kms_key.this.arn", "snapshot_retention_limit": "7", "multi_az_enabled": "local.production", "automatic_failover_enabled": "local.production"},
	"aws_s3_bucket_public_access_block":                  {"block_public_acls": "true", "block_public_policy": "true", "ignore_public_acls": "true", "restrict_public_buckets": "true"},
	"aws_s3_bucket_server_side_encryption_configuration": {"rule.apply_server_side_encryption_by_default.sse_algorithm": `"aws:kms"`},
	"aws_s3_bucket_versioning":                           {"versioning_configuration.status": `"Enabled"`},
	"aws_s3_bucket_logging":                              {"target_bucket": "var.access_log_bucket"},
	"aws_sqs_queue":                                      {"kms_master_key_id": "aws_kms_key.this.arn"},
	"aws_kms_key":                                        {"enable_key_rotation": "true"},
	"aws_msk_cluster":                                    {"encryption_info.encryption_in_transit.client_broker": `"TLS"`, "client_authentication.sasl.iam": "true", "client_authentication.unauthenticated": "false"},
	// GCP
	"google_sql_database_instance": {"deletion_protection": "true", "settings.ip_configuration.ipv4_enabled": "false",
		"settings.ip_configuration.ssl_mode": `"TRUSTED_CLIENT_CERTIFICATE_REQUIRED"`, "settings.backup_configuration.enabled": "true",
		"encryption_key_name": "google_kms_crypto_key.this.id"},
	"google_redis_instance": {"auth_enabled": "true", "transit_encryption_mode": `"SERVER_AUTHENTICATION"`, "customer_managed_key": "google_kms_crypto_key.this.id"},
	"google_storage_bucket": {"uniform_bucket_level_access": "true", "public_access_prevention": `"enforced"`, "versioning.enabled": "true"},
	"google_pubsub_topic":   {"kms_key_name": "google_kms_crypto_key.this.id"},
	"google_kms_crypto_key": {"rotation_period": `"7776000s"`},
	// Azure
	"azurerm_postgresql_flexible_server": {"public_network_access_enabled": "false", "authentication.active_directory_auth_enabled": "true"},
	"azurerm_mysql_flexible_server":      {"public_network_access": `"Disabled"`},
	"azurerm_redis_cache":                {"minimum_tls_version": `"1.2"`, "non_ssl_port_enabled": "false", "public_network_access_enabled": "false"},
	"azurerm_storage_account": {"min_tls_version": `"TLS1_2"`, "https_traffic_only_enabled": "true", "public_network_access_enabled": "false",
		"allow_nested_items_to_be_public": "false", "shared_access_key_enabled": "false", "blob_properties.versioning_enabled": "true"},
	"azurerm_servicebus_namespace": {"minimum_tls_version": `"1.2"`, "local_auth_enabled": "false", "public_network_access_enabled": "false"},
	"azurerm_eventhub_namespace":   {"minimum_tls_version": `"1.2"`, "local_authentication_enabled": "false", "public_network_access_enabled": "false"},
	"azurerm_key_vault":            {"purge_protection_enabled": "true", "public_network_access_enabled": "false"},
}

// TestSecureSettings checks every generated resource of the listed types for its secure settings, and
// that every cloud's examples produce each of the types that cloud is expected to have.
func TestSecureSettings(t *testing.T) {
	seen := map[string]int{}
	for _, f := range generate(t) {
		if !strings.HasSuffix(f.Path, ".tf") {
			continue
		}
		file, diags := hclsyntax.ParseConfig(f.Data, f.Path, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f.Path, diags.Error())
		}
		for _, b := range file.Body.(*hclsyntax.Body).Blocks {
			if b.Type != "resource" {
				continue
			}
			want, ok := required[b.Labels[0]]
			if !ok {
				continue
			}
			seen[b.Labels[0]]++
			for path, value := range want {
				got, found := lookup(b.Body, strings.Split(path, "."), f.Data)
				if !found {
					t.Errorf("%s: %s.%s has no %s", f.Path, b.Labels[0], b.Labels[1], path)
					continue
				}
				if !slices.Contains(strings.Split(value, "|"), got) {
					t.Errorf("%s: %s.%s: %s = %s, want %s", f.Path, b.Labels[0], b.Labels[1], path, got, value)
				}
			}
		}
	}
	for typ := range required {
		if seen[typ] == 0 {
			t.Errorf("no example generates a %s: the check cannot run", typ)
		}
	}
	t.Logf("checked %d resources", sum(seen))
}

func lookup(b *hclsyntax.Body, path []string, src []byte) (string, bool) {
	if len(path) == 1 {
		a, ok := b.Attributes[path[0]]
		if !ok {
			return "", false
		}
		r := a.Expr.Range()
		return strings.TrimSpace(string(src[r.Start.Byte:r.End.Byte])), true
	}
	for _, blk := range b.Blocks {
		if blk.Type == path[0] {
			if v, ok := lookup(blk.Body, path[1:], src); ok {
				return v, true
			}
		}
	}
	return "", false
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
