output "streaming_endpoint" {
  description = "Base URL of the streaming deployment (the OpenAI routes under it, as under the function's deployment)."
  value       = "https://${data.oci_apigateway_gateway.this.hostname}${var.path_prefix}"
}

output "direct_endpoint" {
  description = "The load balancer, without the gateway: the fallback path when the gateway buffers. Reachable only from the gateway's subnet (network.tf); a call there bypasses the gateway's authentication, so the edge ignores X-Genai-Caller (STREAM_TRUST_CALLER_HEADER off, docs/streaming.md)."
  value       = local.backend_url
}

output "check_streaming" {
  description = "Run after apply, from a host that reaches the private gateway: do events arrive one by one, or buffered?"
  value       = "python3 deploy/scripts/check-streaming.py https://${data.oci_apigateway_gateway.this.hostname}${var.path_prefix}/v1/chat/completions"
}

output "dynamic_group_matching_rule" {
  description = "Create this dynamic group yourself when manage_iam = false."
  value       = local.dynamic_group_rule
}

output "policy_statements" {
  description = "Statements created (or to create when manage_iam = false)."
  value       = local.container_statements
}

data "oci_apigateway_gateway" "this" {
  gateway_id = var.gateway_id
}
