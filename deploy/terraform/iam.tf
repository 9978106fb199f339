# Least privilege: the function may only call Chat (and EmbedText when embeddings are configured) in the
# inference compartment; API gateways in our compartment may only invoke functions in it.

locals {
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
  )

  gateway_statements = [
    "ALLOW any-user to use functions-family in compartment id ${var.compartment_ocid} where ALL {request.principal.type = 'ApiGateway', request.resource.compartment.id = '${var.compartment_ocid}'}",
  ]
}

resource "oci_identity_dynamic_group" "functions" {
  count          = var.manage_iam ? 1 : 0
  compartment_id = var.tenancy_ocid
  name           = local.dynamic_group_name
  description    = "Resource principal of the OCI Generative AI proxy function"
  matching_rule  = local.dynamic_group_rule
}

resource "oci_identity_policy" "function_to_genai" {
  count          = var.manage_iam ? 1 : 0
  compartment_id = local.policy_compartment
  name           = "${var.name_prefix}-function-to-genai"
  description    = "Lets the proxy function call OCI Generative AI inference"
  statements     = local.function_statements
  depends_on     = [oci_identity_dynamic_group.functions]
}

resource "oci_identity_policy" "gateway_to_functions" {
  count          = var.manage_iam ? 1 : 0
  compartment_id = local.policy_compartment
  name           = "${var.name_prefix}-gateway-to-functions"
  description    = "Lets API gateways in the compartment invoke its functions"
  statements     = local.gateway_statements
}
