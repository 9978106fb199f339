locals {
  # Only non-empty values are set, so the function's own defaults (docs/configuration.md) apply otherwise.
  function_config_all = merge(var.extra_function_config, {
    MODEL_ID              = var.model_id
    COMPARTMENT_OCID      = local.genai_compartment
    SERVICE_ENDPOINT      = var.service_endpoint != "" ? var.service_endpoint : "https://inference.generativeai.${var.region}.oci.oraclecloud.com"
    ALLOWED_MODELS        = var.allowed_models
    EMBEDDING_MODELS      = var.embedding_models
    RERANK_MODELS         = var.rerank_models
    RERANK_ENDPOINT_ID    = var.rerank_endpoint_id
    DEDICATED_ENDPOINT_ID = var.dedicated_endpoint_id
    GUARDRAILS            = var.guardrails
    GUARDRAILS_SCOPE      = var.guardrails_scope
    GUARDRAILS_ON_ERROR   = var.guardrails_on_error
  })
  function_config = { for k, v in merge(local.function_config_all, local.budget_config) : k => v if v != "" }
}

resource "oci_functions_application" "this" {
  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-app"
  subnet_ids                 = [var.function_subnet_id]
  network_security_group_ids = [oci_core_network_security_group.functions.id]
  shape                      = var.application_shape
}

resource "oci_functions_function" "this" {
  application_id     = oci_functions_application.this.id
  display_name       = var.name_prefix
  image              = var.function_image
  memory_in_mbs      = var.function_memory_mb
  timeout_in_seconds = var.function_timeout_seconds
  config             = local.function_config

  dynamic "provisioned_concurrency_config" {
    for_each = var.provisioned_concurrency > 0 ? [var.provisioned_concurrency] : []
    content {
      strategy = "CONSTANT"
      count    = provisioned_concurrency_config.value
    }
  }

  lifecycle {
    precondition {
      # Without a store every call would be a 500 config_error naming BUDGET_STORE_URL: refuse the plan instead.
      condition     = var.token_budgets == "" || var.budget_store_url != "" || var.create_cache_cluster
      error_message = "token_budgets needs a store: set budget_store_url, or create_cache_cluster = true (with cache_user_password)."
    }
    precondition {
      condition     = !(var.token_budgets != "" && var.create_cache_cluster && var.budget_store_url == "") || var.cache_user_password != ""
      error_message = "create_cache_cluster = true needs cache_user_password: the cache user's password, also put in BUDGET_STORE_URL."
    }
  }
}
