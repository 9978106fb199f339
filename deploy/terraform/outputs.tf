locals {
  gateway_url = "https://${oci_apigateway_gateway.this.hostname}${var.path_prefix}"
  auth_header = (
    contains(["JWT_AUTHENTICATION", "TOKEN_AUTHENTICATION"], try(local.api_policies.authentication.type, "")) ? " -H \"Authorization: Bearer $TOKEN\"" :
    try(local.api_policies.authentication.type, "") == "CUSTOM_AUTHENTICATION" || local.uses_usage_plans ? " -H \"${local.api_key_header}: $API_KEY\"" :
    ""
  )
}

output "gateway_endpoint" {
  description = "Base URL of the private deployment (resolvable and reachable only from the VCN and its connected networks)."
  value       = local.gateway_url
}

output "curl_chat" {
  description = "Ready-to-run request to the simple chat route."
  value       = "curl -sS -X POST '${local.gateway_url}/chat' -H 'Content-Type: application/json'${local.auth_header} -d '{\"input\": \"Say hello in one word\"}'"
}

output "curl_openai" {
  description = "Ready-to-run request to the OpenAI-compatible chat completions route."
  value       = "curl -sS -X POST '${local.gateway_url}/v1/chat/completions' -H 'Content-Type: application/json'${local.auth_header} -d '{\"model\": \"${var.model_id}\", \"messages\": [{\"role\": \"user\", \"content\": \"Say hello\"}]}'"
}

output "fn_invoke" {
  description = "Invoke without the gateway, e.g. from Cloud Shell (needs fn context for the region and compartment)."
  value       = "echo '{\"input\": \"Say hello\"}' | fn invoke ${oci_functions_application.this.display_name} ${oci_functions_function.this.display_name}"
}

output "function_id" {
  description = "OCID of the function (for generate_spec.py --function-id and oci fn function invoke)."
  value       = oci_functions_function.this.id
}

output "dynamic_group_matching_rule" {
  description = "Create this dynamic group yourself when manage_iam = false."
  value       = local.dynamic_group_rule
}

output "policy_statements" {
  description = "Statements created (or to create when manage_iam = false), see docs/iam.md."
  value       = concat(local.function_statements, local.gateway_statements)
}

output "budget_store_nsg_id" {
  description = "The OCI Cache NSG (token budgets on): pass it to deploy/terraform-streaming as budget_store_nsg_id so its containers reach the same budget store."
  value       = local.cache_enabled == 1 ? oci_core_network_security_group.cache[0].id : ""
}
