# Least privilege: the function may only call Chat (EmbedText, RerankText when those are configured) in the
# inference compartment; only the gateway this stack creates may invoke functions in our compartment.
# Every oci_identity_* resource goes through provider oci.home: IAM writes are refused outside the home region.

# Read through the default provider: IAM reads are served in every region, only writes need the home region.
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
  dynamic_group_name = "${var.name_prefix}-functions"

  dynamic_group_rule = (
    var.dynamic_group_scope == "function"
    ? "ALL {resource.type = 'fnfunc', resource.id = '${oci_functions_function.this.id}'}"
    : "ALL {resource.type = 'fnfunc', resource.compartment.id = '${var.compartment_ocid}'}"
  )

  function_statements = concat(
    ["allow dynamic-group ${local.dynamic_group_name} to use generative-ai-chat in compartment id ${local.genai_compartment}"],
    var.embedding_models == "" ? [] : [
      "allow dynamic-group ${local.dynamic_group_name} to use generative-ai-text-embedding in compartment id ${local.genai_compartment}",
    ],
    var.rerank_models == "" ? [] : [
      "allow dynamic-group ${local.dynamic_group_name} to use generative-ai-text-rerank in compartment id ${local.genai_compartment}",
    ],
    # ApplyGuardrails: its resource type is not in Oracle's permission tables (UNVERIFIED, docs/iam.md): the family.
    var.guardrails == "" ? [] : [
      "allow dynamic-group ${local.dynamic_group_name} to use generative-ai-family in compartment id ${local.genai_compartment}",
    ],
  )

  # request.principal.id narrows "any API gateway in the compartment" to the one gateway created here.
  gateway_statements = [
    var.gateway_policy_scope == "gateway"
    ? "ALLOW any-user to use functions-family in compartment id ${var.compartment_ocid} where ALL {request.principal.type = 'ApiGateway', request.principal.id = '${oci_apigateway_gateway.this.id}'}"
    : "ALLOW any-user to use functions-family in compartment id ${var.compartment_ocid} where ALL {request.principal.type = 'ApiGateway', request.resource.compartment.id = '${var.compartment_ocid}'}",
  ]
}

resource "oci_identity_dynamic_group" "functions" {
  provider       = oci.home
  count          = var.manage_iam ? 1 : 0
  compartment_id = var.tenancy_ocid
  name           = local.dynamic_group_name
  description    = "Resource principal of the OCI Generative AI proxy function"
  matching_rule  = local.dynamic_group_rule
}

resource "oci_identity_policy" "function_to_genai" {
  provider       = oci.home
  count          = var.manage_iam ? 1 : 0
  compartment_id = local.policy_compartment
  name           = "${var.name_prefix}-function-to-genai"
  description    = "Lets the proxy function call OCI Generative AI inference"
  statements     = local.function_statements
  depends_on     = [oci_identity_dynamic_group.functions]
}

resource "oci_identity_policy" "gateway_to_functions" {
  provider       = oci.home
  count          = var.manage_iam ? 1 : 0
  compartment_id = local.policy_compartment
  name           = "${var.name_prefix}-gateway-to-functions"
  description    = "Lets this stack's API gateway invoke the functions in the compartment"
  statements     = local.gateway_statements
}

# IAM changes take time to reach every region and service (docs/iam.md). The deployment (whose creation
# checks the gateway's functions-family permission) and the first invocations wait for it.
resource "time_sleep" "iam_propagation" {
  count           = var.manage_iam ? 1 : 0
  create_duration = "${var.iam_propagation_seconds}s"
  triggers = {
    gateway_policy  = oci_identity_policy.gateway_to_functions[0].id
    function_policy = oci_identity_policy.function_to_genai[0].id
    dynamic_group   = oci_identity_dynamic_group.functions[0].id
  }
}
