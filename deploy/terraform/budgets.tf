# Token budgets per caller (docs/usage.md): the chat function counts them in OCI Cache. Either name an existing
# cluster's URL (budget_store_url) or let this stack create a non-sharded cluster in the function subnet with one
# cache user (create_cache_cluster = true). Off unless token_budgets is set.
#
# Arguments checked against oracle/terraform-provider-oci v8.28.0 (commit 8de3c480):
# internal/service/redis/redis_redis_cluster_resource.go (compartment_id, display_name, node_count,
# node_memory_in_gbs, software_version, subnet_id required; cluster_mode, nsg_ids optional; primary_fqdn computed),
# redis_oci_cache_user_resource.go (acl_string, authentication_mode { authentication_type = PASSWORD | IAM,
# hashed_passwords }, compartment_id, description, name required; status optional) and
# redis_redis_cluster_attach_oci_cache_user_resource.go (oci_cache_users, redis_cluster_id).
# software_version values: oci.redis.models.RedisCluster ("V7_0_5", "REDIS_7_0", "VALKEY_7_2", "VALKEY_8_1").

locals {
  cache_enabled   = var.token_budgets != "" && var.create_cache_cluster ? 1 : 0
  cache_user_name = "${var.name_prefix}-budgets"
  # Only the budget store's keys and the commands of its two Lua scripts (genai_fn/budgets/store.py), and, in a
  # selector of its own (Redis 7 ACL), SET and MGET on the fallbacks' cooldown keys (genai_fn/fallbacks/cooldown.py).
  cache_user_acl = "~genai:budget:* +evalsha +script|load +get +incrby +ttl +expire +exists +ping (~genai:cooldown:* +set +mget)"
  created_store_url = local.cache_enabled == 1 ? format(
    "rediss://%s:%s@%s:6379/0", local.cache_user_name, var.cache_user_password,
    oci_redis_redis_cluster.budgets[0].primary_fqdn
  ) : ""
  budget_store_url = var.budget_store_url != "" ? var.budget_store_url : local.created_store_url
  budget_config = var.token_budgets == "" ? {} : {
    TOKEN_BUDGETS         = var.token_budgets
    BUDGET_STORE_URL      = local.budget_store_url
    BUDGET_ON_STORE_ERROR = var.budget_on_store_error
  }
}

resource "oci_redis_redis_cluster" "budgets" {
  count              = local.cache_enabled
  compartment_id     = var.compartment_ocid
  display_name       = "${var.name_prefix}-budgets"
  node_count         = var.cache_node_count
  node_memory_in_gbs = var.cache_node_memory_gbs
  software_version   = "VALKEY_7_2"
  subnet_id          = var.function_subnet_id
  cluster_mode       = "NONSHARDED"
  nsg_ids            = [oci_core_network_security_group.cache[0].id]
}

resource "oci_redis_oci_cache_user" "budgets" {
  count          = local.cache_enabled
  compartment_id = var.compartment_ocid
  name           = local.cache_user_name
  description    = "The chat function's budget store user"
  acl_string     = local.cache_user_acl
  status         = "ON"
  authentication_mode {
    authentication_type = "PASSWORD"
    hashed_passwords    = [sha256(var.cache_user_password)]
  }

  lifecycle {
    precondition {
      condition     = length(var.cache_user_password) >= 16
      error_message = "create_cache_cluster needs cache_user_password (at least 16 characters)."
    }
  }
}

resource "oci_redis_redis_cluster_attach_oci_cache_user" "budgets" {
  count            = local.cache_enabled
  redis_cluster_id = oci_redis_redis_cluster.budgets[0].id
  oci_cache_users  = [oci_redis_oci_cache_user.budgets[0].id]
}

# The cache accepts TLS from the function subnet's NSG only.
resource "oci_core_network_security_group" "cache" {
  count          = local.cache_enabled
  compartment_id = local.network_compartment
  vcn_id         = var.vcn_id
  display_name   = "${var.name_prefix}-cache-nsg"
}

resource "oci_core_network_security_group_security_rule" "cache_ingress_functions" {
  count                     = local.cache_enabled
  network_security_group_id = oci_core_network_security_group.cache[0].id
  description               = "Valkey/Redis over TLS from the functions (port 6379: assumed, docs/usage.md)"
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = oci_core_network_security_group.functions.id
  source_type               = "NETWORK_SECURITY_GROUP"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 6379
      max = 6379
    }
  }
}

resource "oci_core_network_security_group_security_rule" "functions_egress_cache" {
  count                     = local.cache_enabled
  network_security_group_id = oci_core_network_security_group.functions.id
  description               = "The budget store in OCI Cache"
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = oci_core_network_security_group.cache[0].id
  destination_type          = "NETWORK_SECURITY_GROUP"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 6379
      max = 6379
    }
  }
}
