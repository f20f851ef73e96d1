package terraform

import (
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/gantry-dev/gantry/blueprints"
)

// azure renders a service's module for Azure: Database for PostgreSQL or MySQL flexible servers, Azure
// Cache for Redis, a Storage account container, a Service Bus queue and an Event Hubs namespace with
// its Kafka endpoint; each with public network access off, reached through a private endpoint, TLS 1.2
// at least, local (key) authentication off where the service allows it; reached by the workload through
// Azure Workload Identity (a user-assigned identity federated with its Kubernetes ServiceAccount).
type azure struct{}

func newAzure() *cloud {
	z := &azure{}
	flexible := writer{write: z.flexible}
	return &cloud{
		name: "Azure", provider: requiredProvider{"azurerm", "hashicorp/azurerm", AzureProvider}, backend: "azurerm",
		// The same checks and reasons as internal/checkers/exceptions.yaml (TestTrivyIgnoreFile).
		ignored: []ignoredCheck{
			{"AZU-0014", "The storage encryption key expires through its rotation policy (expire_after P2Y, rotated automatically 60 days before); trivy looks only for a fixed expiration_date, which would stop encryption on a day Gantry cannot know."},
			{"AZU-0017", "Key Vault secrets holding generated credentials have no expiration date: rotation is a new value_wo_version, and a fixed date would cut the service off on a day Gantry cannot know."},
			{"AZU-0022", "trivy reads the MySQL flexible server's public access from public_network_access_enabled, which azurerm 5 no longer has; Gantry sets its replacement, public_network_access = \"Disabled\" (checked against the provider schema)."},
			{"AZU-0057", "trivy looks for queue logging in the storage account's queue_properties block, which azurerm 5 moved to the azurerm_storage_account_queue_properties resource; Gantry writes that resource with logging for read, write and delete (checked against the provider schema)."},
		},
		configure: z.providers, main: z.main,
		cluster: cluster{host: "data.azurerm_kubernetes_cluster.this.kube_config[0].host", ca: "data.azurerm_kubernetes_cluster.this.kube_config[0].cluster_ca_certificate",
			command: "kubelogin", args: `["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]`},
		workload: output{"workload_client_id", "Client ID of the identity the service's pods use through Azure Workload Identity.", "azurerm_user_assigned_identity.workload.client_id"},
		writers: map[string]writer{"postgres": flexible, "mysql": flexible, "redis": {write: z.redis},
			"bucket": {write: z.storage}, "queue": {write: z.serviceBus}, "kafka": {write: z.eventHubs}},
	}
}

func (z *azure) providers(m *module, f *file) {
	p := f.top("provider", "azurerm")
	if sub := m.p.Spec.Cloud.Subscription; sub != "" {
		// Pinned, so that local.unique, and the names made with it, are the ones the manifests were
		// written with (KEDA's Service Bus trigger names the namespace).
		p.str("subscription_id", sub)
	}
	p.block("features")
	// Storage is reached with Entra ID tokens, not account keys (shared keys are off).
	p.boolean("storage_use_azuread", true)
	c := f.data("azurerm_kubernetes_cluster", "this")
	c.expr("name", "var.cluster_name")
	c.expr("resource_group_name", "var.cluster_resource_group_name")
}

func (z *azure) main(m *module, f *file, l body) {
	// Globally unique names (Key Vault, Storage) of at most 24 lower-case letters and digits.
	l.expr("unique", `substr(sha1("${data.azurerm_client_config.current.subscription_id}/${local.name}"), 0, 16)`)
	l.tokens("base_tags", baseTags(m))
	l.expr("tags", `merge(local.base_tags, { environment = var.environment })`)
	f.data("azurerm_client_config", "current")

	kv := f.resource("azurerm_key_vault", "this")
	kv.tokens("name", template("kv", ref("local", "unique")))
	kv.expr("location", "var.location")
	kv.expr("resource_group_name", "var.resource_group_name")
	kv.expr("tenant_id", "data.azurerm_client_config.current.tenant_id")
	kv.str("sku_name", "standard")
	kv.boolean("rbac_authorization_enabled", true)
	kv.boolean("purge_protection_enabled", true)
	kv.num("soft_delete_retention_days", 90)
	kv.boolean("public_network_access_enabled", false)
	acl := kv.block("network_acls")
	acl.str("default_action", "Deny")
	acl.str("bypass", "AzureServices")
	kv.expr("tags", "local.tags")
	z.privateEndpoint(f, "key_vault", ref("azurerm_key_vault", "this", "id"), "vault")

	id := f.resource("azurerm_user_assigned_identity", "workload")
	id.tokens("name", named("-workload"))
	id.expr("location", "var.location")
	id.expr("resource_group_name", "var.resource_group_name")
	id.expr("tags", "local.tags")
	fc := f.resource("azurerm_federated_identity_credential", "workload")
	fc.tokens("name", named("-kubernetes"))
	fc.expr("user_assigned_identity_id", "azurerm_user_assigned_identity.workload.id")
	fc.strs("audience", "api://AzureADTokenExchange")
	fc.expr("issuer", "var.oidc_issuer_url")
	fc.str("subject", "system:serviceaccount:"+m.s.Base.Namespace+":"+m.s.Name)
	z.role(f, "key_vault_secrets", ref("azurerm_key_vault", "this", "id"), "Key Vault Secrets User")

	// The ServiceAccount the kubernetes target generates learns which identity it federates with.
	ann := f.resource("kubernetes_annotations", "workload")
	ann.str("api_version", "v1")
	ann.str("kind", "ServiceAccount")
	md := ann.block("metadata")
	md.str("name", m.s.Name)
	md.str("namespace", m.s.Base.Namespace)
	ann.expr("annotations", `{ "azure.workload.identity/client-id" = azurerm_user_assigned_identity.workload.client_id }`)
	ann.str("field_manager", "gantry-terraform")
}

// privateEndpoint connects a resource into the cluster's network.
func (z *azure) privateEndpoint(f *file, name string, resource hclwrite.Tokens, subresource string) {
	pe := f.resource("azurerm_private_endpoint", name)
	pe.tokens("name", named("-"+subresource+"-"+name))
	pe.expr("location", "var.location")
	pe.expr("resource_group_name", "var.resource_group_name")
	pe.expr("subnet_id", "var.subnet_id")
	psc := pe.block("private_service_connection")
	psc.tokens("name", named("-"+name))
	psc.tokens("private_connection_resource_id", resource)
	psc.strs("subresource_names", subresource)
	psc.boolean("is_manual_connection", false)
	pe.expr("tags", "local.tags")
}

// role grants the workload's identity a built-in role on exactly one resource.
func (z *azure) role(f *file, name string, scope hclwrite.Tokens, role string) {
	r := f.resource("azurerm_role_assignment", name)
	r.tokens("scope", scope)
	r.str("role_definition_name", role)
	r.expr("principal_id", "azurerm_user_assigned_identity.workload.principal_id")
	r.str("principal_type", "ServicePrincipal")
}

// secret stores credentials in the service's Key Vault; the value goes in through a write-only attribute.
func (z *azure) secret(m *module, f *file, dep string, value hclwrite.Tokens) {
	s := f.resource("azurerm_key_vault_secret", label(dep))
	s.str("name", m.storeKey(dep)) // as the ExternalSecret reads it
	s.expr("key_vault_id", "azurerm_key_vault.this.id")
	s.tokens("value_wo", value)
	s.num("value_wo_version", 1)
	s.str("content_type", "application/json")
}

func (z *azure) flexible(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	pg := d.Type == "postgres"
	typ, version, sub := "azurerm_mysql_flexible_server", "8.0.21", "mysqlServer"
	if pg {
		typ, version, sub = "azurerm_postgresql_flexible_server", "16", "postgresqlServer"
	}
	eph := f.top("ephemeral", "random_password", l)
	eph.num("length", 32)
	eph.boolean("special", false)
	s := f.resource(typ, l)
	s.tokens("name", named("-"+d.Name+"-", ref("local", "unique")))
	s.expr("location", "var.location")
	s.expr("resource_group_name", "var.resource_group_name")
	s.str("version", version)
	s.str("sku_name", size("azure", d.Type, d.Size))
	s.str("administrator_login", blueprints.DependencyUser)
	s.tokens("administrator_password_wo", ref("ephemeral", "random_password", l, "result"))
	s.num("administrator_password_wo_version", 1)
	s.expr("backup_retention_days", "local.production ? 35 : 7")
	s.expr("geo_redundant_backup_enabled", "local.production")
	if pg {
		s.boolean("public_network_access_enabled", false)
		s.num("storage_mb", 32768)
		auth := s.block("authentication")
		auth.boolean("active_directory_auth_enabled", true)
		auth.boolean("password_auth_enabled", true)
		auth.expr("tenant_id", "data.azurerm_client_config.current.tenant_id")
	} else {
		s.str("public_network_access", "Disabled")
		s.block("storage").num("size_gb", 32)
	}
	ha := s.b.AppendNewBlock("dynamic", []string{"high_availability"}).Body()
	body{ha}.expr("for_each", "local.production ? [1] : []")
	body{ha.AppendNewBlock("content", nil).Body()}.str("mode", "ZoneRedundant")
	s.expr("tags", "local.tags")
	db := f.resource(typ[:len(typ)-len("server")]+map[bool]string{true: "server_database", false: "database"}[pg], l)
	db.str("name", d.Name)
	if pg {
		db.tokens("server_id", ref(typ, l, "id"))
	} else {
		db.tokens("server_name", ref(typ, l, "name"))
		db.expr("resource_group_name", "var.resource_group_name")
		db.str("charset", "utf8mb4")
		db.str("collation", "utf8mb4_unicode_ci")
	}
	params := [][2]string{{"require_secure_transport", "ON"}}
	if pg {
		params = [][2]string{{"require_secure_transport", "on"}, {"log_connections", "on"}, {"log_checkpoints", "on"},
			{"connection_throttle.enable", "on"}}
	}
	for _, p := range params {
		c := f.resource(typ+"_configuration", l+"_"+strings.NewReplacer(".", "_").Replace(p[0]))
		c.str("name", p[0])
		if pg {
			c.tokens("server_id", ref(typ, l, "id"))
		} else {
			c.tokens("server_name", ref(typ, l, "name"))
			c.expr("resource_group_name", "var.resource_group_name")
		}
		c.str("value", p[1])
	}
	z.privateEndpoint(f, l, ref(typ, l, "id"), sub)
	z.secret(m, f, d.Name, call("jsonencode", object(attr{"username", lit(blueprints.DependencyUser)}, attr{"password", ref("ephemeral", "random_password", l, "result")})))
	return settings{"HOST": ref(typ, l, "fqdn"), "PORT": lit(map[bool]string{true: "5432", false: "3306"}[pg]),
		"NAME": lit(d.Name), "USER": ref(typ, l, "administrator_login")}
}

func (z *azure) redis(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	r := f.resource("azurerm_redis_cache", l)
	r.tokens("name", named("-"+d.Name+"-", ref("local", "unique")))
	r.expr("location", "var.location")
	r.expr("resource_group_name", "var.resource_group_name")
	r.num("capacity", map[string]int{"small": 1, "medium": 2, "large": 3}[d.Size])
	r.str("family", "C")
	r.expr("sku_name", `local.production ? "Standard" : "Basic"`)
	r.str("minimum_tls_version", "1.2")
	r.boolean("non_ssl_port_enabled", false)
	r.boolean("public_network_access_enabled", false)
	r.block("redis_configuration").boolean("active_directory_authentication_enabled", true)
	r.expr("tags", "local.tags")
	z.privateEndpoint(f, l, ref("azurerm_redis_cache", l, "id"), "redisCache")
	z.secret(m, f, d.Name, call("jsonencode", object(attr{"password", ref("azurerm_redis_cache", l, "primary_access_key")})))
	return settings{"HOST": ref("azurerm_redis_cache", l, "hostname"), "PORT": call("tostring", ref("azurerm_redis_cache", l, "ssl_port"))}
}

func (z *azure) storage(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	a := f.resource("azurerm_storage_account", l)
	a.tokens("name", template("st", call("substr", call("sha1", template(ref("local", "unique"), "/"+d.Name)), number(0), number(20))))
	a.expr("location", "var.location")
	a.expr("resource_group_name", "var.resource_group_name")
	a.str("account_tier", "Standard")
	a.expr("account_replication_type", `local.production ? "ZRS" : "LRS"`)
	a.str("min_tls_version", "TLS1_2")
	a.boolean("https_traffic_only_enabled", true)
	a.boolean("public_network_access_enabled", false)
	a.boolean("allow_nested_items_to_be_public", false)
	a.boolean("shared_access_key_enabled", false)
	a.boolean("infrastructure_encryption_enabled", true)
	a.boolean("default_to_oauth_authentication", true)
	bp := a.block("blob_properties")
	bp.boolean("versioning_enabled", true)
	bp.block("delete_retention_policy").num("days", 7)
	bp.block("container_delete_retention_policy").num("days", 7)
	nr := a.block("network_rules")
	nr.str("default_action", "Deny")
	nr.strs("bypass", "AzureServices")
	// Encrypted with the service's own key in its Key Vault, through an identity of the account's own.
	ai := a.block("identity")
	ai.str("type", "UserAssigned")
	ai.tokens("identity_ids", tuple(ref("azurerm_user_assigned_identity", l+"_storage", "id")))
	cmk := a.block("customer_managed_key")
	cmk.tokens("key_vault_key_id", ref("azurerm_key_vault_key", l, "versionless_id"))
	cmk.tokens("user_assigned_identity_id", ref("azurerm_user_assigned_identity", l+"_storage", "id"))
	a.expr("tags", "local.tags")
	a.tokens("depends_on", tuple(ref("azurerm_role_assignment", l+"_storage_key")))
	sid := f.resource("azurerm_user_assigned_identity", l+"_storage")
	sid.tokens("name", named("-"+d.Name+"-storage"))
	sid.expr("location", "var.location")
	sid.expr("resource_group_name", "var.resource_group_name")
	sid.expr("tags", "local.tags")
	key := f.resource("azurerm_key_vault_key", l)
	key.tokens("name", named("-"+d.Name))
	key.expr("key_vault_id", "azurerm_key_vault.this.id")
	key.str("key_type", "RSA")
	key.num("key_size", 3072)
	key.strs("key_opts", "unwrapKey", "wrapKey")
	rp := key.block("rotation_policy")
	rp.str("expire_after", "P2Y")
	rp.str("notify_before_expiry", "P30D")
	rp.block("automatic").str("time_before_expiry", "P60D")
	ra := f.resource("azurerm_role_assignment", l+"_storage_key")
	ra.expr("scope", "azurerm_key_vault.this.id")
	ra.str("role_definition_name", "Key Vault Crypto Service Encryption User")
	ra.tokens("principal_id", ref("azurerm_user_assigned_identity", l+"_storage", "principal_id"))
	ra.str("principal_type", "ServicePrincipal")
	qp := f.resource("azurerm_storage_account_queue_properties", l)
	qp.tokens("storage_account_id", ref("azurerm_storage_account", l, "id"))
	ql := qp.block("logging")
	ql.boolean("delete", true)
	ql.boolean("read", true)
	ql.boolean("write", true)
	ql.str("version", "1.0")
	ql.num("retention_policy_days", 30)
	c := f.resource("azurerm_storage_container", l)
	c.str("name", d.Name)
	c.tokens("storage_account_id", ref("azurerm_storage_account", l, "id"))
	c.str("container_access_type", "private")
	z.privateEndpoint(f, l, ref("azurerm_storage_account", l, "id"), "blob")
	z.role(f, l, ref("azurerm_storage_container", l, "id"), "Storage Blob Data Contributor")
	return settings{"BUCKET": template(ref("azurerm_storage_account", l, "primary_blob_endpoint"), ref("azurerm_storage_container", l, "name"))}
}

func (z *azure) serviceBus(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	z.messaging(f, d, "azurerm_servicebus_namespace", "azurerm_servicebus_queue", "Azure Service Bus", func(n body) {
		n.str("sku", "Premium") // private endpoints need Premium
		n.num("capacity", 1)
		n.num("premium_messaging_partitions", 1)
		n.str("minimum_tls_version", "1.2")
		n.boolean("local_auth_enabled", false)
	}, func(q body) {
		q.boolean("dead_lettering_on_message_expiration", true)
		q.num("max_delivery_count", 5)
	})
	return settings{"QUEUE": template(ref("azurerm_servicebus_namespace", l, "name"), ".servicebus.windows.net/", ref("azurerm_servicebus_queue", l, "name"))}
}

func (z *azure) eventHubs(m *module, f *file, d blueprints.Dependency) settings {
	l := label(d.Name)
	z.messaging(f, d, "azurerm_eventhub_namespace", "azurerm_eventhub", "Azure Event Hubs", func(n body) {
		n.str("sku", "Standard") // the Kafka endpoint needs Standard or above
		n.num("capacity", map[string]int{"small": 1, "medium": 2, "large": 4}[d.Size])
		n.str("minimum_tls_version", "1.2")
		n.boolean("local_authentication_enabled", false)
	}, func(h body) {
		h.num("partition_count", 4)
		h.num("message_retention", 7)
	})
	return settings{"BROKERS": template(ref("azurerm_eventhub_namespace", l, "name"), ".servicebus.windows.net:9093")}
}

// messaging writes a namespace (Service Bus, Event Hubs) with one entity in it (a queue, an event hub),
// reached through a private endpoint, the workload allowed to send and receive; namespace and entity
// set their own attributes (SKU, capacity, authentication; retention, delivery).
func (z *azure) messaging(f *file, d blueprints.Dependency, namespace, entity, service string, ownNamespace, ownEntity func(body)) {
	l := label(d.Name)
	n := f.resource(namespace, l)
	n.tokens("name", named("-"+d.Name+"-", ref("local", "unique")))
	n.expr("location", "var.location")
	n.expr("resource_group_name", "var.resource_group_name")
	ownNamespace(n)
	n.boolean("public_network_access_enabled", false)
	n.expr("tags", "local.tags")
	e := f.resource(entity, l)
	e.str("name", d.Name)
	e.tokens("namespace_id", ref(namespace, l, "id"))
	ownEntity(e)
	z.privateEndpoint(f, l, ref(namespace, l, "id"), "namespace")
	z.role(f, l+"_send", ref(entity, l, "id"), service+" Data Sender")
	z.role(f, l+"_receive", ref(entity, l, "id"), service+" Data Receiver")
}
