# The containers call OCI Generative AI with their resource principal (v2.2, as a function's: the provider's
# container_instances_container_instance docs, `is_resource_principal_disabled`), so the service code is the same.
# Least privilege as ../terraform/iam.tf: the same verbs and resource types, for this stack's container instances.
# The matching rule names the resource type as it appears in the OCID (Oracle, "Writing Matching Rules to Define
# Dynamic Groups"): ocid1.computecontainerinstance...; `read repos` lets them pull the image from OCIR without a
# secret (Oracle, "Vault Secrets for Image Pull Authorization": "For private repositories in Container Registry,
# use IAM policies based upon Container Instances resource principals").

data "oci_identity_region_subscriptions" "home" {
  count      = var.home_region == "" ? 1 : 0
  tenancy_id = var.tenancy_ocid
  filter {
    name   = "is_home_region"
    values = ["true"]
  }
}

locals {
  home_region        = var.home_region != "" ? var.home_region : data.oci_identity_region_subscriptions.home[0].region_subscriptions[0].region_name
  genai_compartment  = var.genai_compartment_ocid != "" ? var.genai_compartment_ocid : var.compartment_ocid
  policy_compartment = var.policy_compartment_ocid != "" ? var.policy_compartment_ocid : var.tenancy_ocid
  dynamic_group_name = "${var.name_prefix}-containers"
  dynamic_group_rule = "ALL {resource.type = 'computecontainerinstance', resource.compartment.id = '${var.compartment_ocid}'}"

  container_statements = concat(
    [
      "allow dynamic-group ${local.dynamic_group_name} to use generative-ai-chat in compartment id ${local.genai_compartment}",
      "allow dynamic-group ${local.dynamic_group_name} to read repos in compartment id ${var.compartment_ocid}",
    ],
    var.embedding_models == "" ? [] : [
      "allow dynamic-group ${local.dynamic_group_name} to use generative-ai-text-embedding in compartment id ${local.genai_compartment}",
    ],
    var.rerank_models == "" ? [] : [
      "allow dynamic-group ${local.dynamic_group_name} to use generative-ai-text-rerank in compartment id ${local.genai_compartment}",
    ],
    var.guardrails == "" ? [] : [
      "allow dynamic-group ${local.dynamic_group_name} to use generative-ai-family in compartment id ${local.genai_compartment}",
    ],
    # The edge posts its usage metrics itself (genai_fn/edges/usage.py): the usage function's statement
    # (../terraform/usage.tf usage_metric_statement), narrowed to the same namespace, for the containers.
    var.usage_metrics ? [
      "allow dynamic-group ${local.dynamic_group_name} to use metrics in compartment id ${local.usage_compartment} where target.metrics.namespace = '${var.usage_metrics_namespace}'",
    ] : [],
  )

  usage_compartment = var.usage_metrics_compartment_ocid != "" ? var.usage_metrics_compartment_ocid : var.compartment_ocid
  # The usage function's own variables (genai_fn/usage/config.py); USAGE_METRICS=edge turns the edge's publisher on.
  usage_environment = var.usage_metrics ? {
    USAGE_METRICS                  = "edge"
    USAGE_METRICS_NAMESPACE        = var.usage_metrics_namespace
    USAGE_METRICS_COMPARTMENT_OCID = local.usage_compartment
  } : {}
}

resource "oci_identity_dynamic_group" "containers" {
  provider       = oci.home
  count          = var.manage_iam ? 1 : 0
  compartment_id = var.tenancy_ocid
  name           = local.dynamic_group_name
  description    = "Resource principal of the streaming edge's container instances"
  matching_rule  = local.dynamic_group_rule
}

resource "oci_identity_policy" "containers_to_genai" {
  provider       = oci.home
  count          = var.manage_iam ? 1 : 0
  compartment_id = local.policy_compartment
  name           = "${var.name_prefix}-containers-to-genai"
  description    = "Lets the streaming edge call OCI Generative AI inference, pull its image and post its usage metrics"
  statements     = local.container_statements
  depends_on     = [oci_identity_dynamic_group.containers]
}

resource "time_sleep" "iam_propagation" {
  count           = var.manage_iam ? 1 : 0
  create_duration = "${var.iam_propagation_seconds}s"
  triggers = {
    policy        = oci_identity_policy.containers_to_genai[0].id
    dynamic_group = oci_identity_dynamic_group.containers[0].id
  }
}
