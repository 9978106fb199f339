# ---------------------------------------------------------------- tenancy and placement
variable "tenancy_ocid" {
  description = "Tenancy OCID: dynamic groups live at the tenancy level."
  type        = string
}

variable "region" {
  description = "Region identifier, e.g. us-chicago-1 (must offer OCI Generative AI, or set service_endpoint)."
  type        = string
}

variable "home_region" {
  description = "The tenancy's home region, where IAM is written (e.g. us-ashburn-1). Empty = read it from the tenancy's region subscriptions at plan time. Set it when the deployer may not list region subscriptions."
  type        = string
  default     = ""
}

variable "compartment_ocid" {
  description = "Compartment for the functions application, the gateway and the logs."
  type        = string
}

variable "genai_compartment_ocid" {
  description = "Compartment billed for inference (the function's COMPARTMENT_OCID). Empty = compartment_ocid."
  type        = string
  default     = ""
}

variable "policy_compartment_ocid" {
  description = "Where the IAM policies are attached; must be an ancestor of (or equal to) both compartments. Empty = tenancy."
  type        = string
  default     = ""
}

variable "name_prefix" {
  description = "Prefix for display names, the dynamic group and the policies. The function is named name_prefix (func.yaml's name, genai) and the application name_prefix-app (genai-app)."
  type        = string
  default     = "genai"
}

# ---------------------------------------------------------------- network (existing VCN and subnets)
variable "vcn_id" {
  description = "Existing VCN holding both subnets."
  type        = string
}

variable "function_subnet_id" {
  description = "Existing private subnet for the functions application."
  type        = string
}

variable "gateway_subnet_id" {
  description = "Existing private subnet for the API gateway (may be the same as function_subnet_id)."
  type        = string
}

variable "client_cidrs" {
  description = "CIDRs allowed to reach the private gateway on 443 (VCN, peered VCNs, on-premises ranges). IPv4 prefixes shorter than /8 and IPv6 prefixes shorter than /7 are refused."
  type        = list(string)
  # A per-prefix floor rather than a sum of coverage: it refuses 0.0.0.0/0, ::/0 and every union that adds
  # up to "everything" (0.0.0.0/1 + 128.0.0.0/1 needs prefixes shorter than /8; with /8s alone it would take
  # all 256 of them), while the largest private ranges (10.0.0.0/8, fc00::/7) stay accepted.
  validation {
    condition = length(var.client_cidrs) > 0 && alltrue([
      for c in var.client_cidrs : can(cidrhost(c, 0)) && try(tonumber(split("/", c)[1]) >= (length(regexall(":", c)) > 0 ? 7 : 8), false)
    ])
    error_message = "Name the client ranges as valid CIDRs of at most /8 (IPv4) or /7 (IPv6) each: 0.0.0.0/0, ::/0 and unions covering everything are refused for a private gateway."
  }
}

variable "create_service_gateway" {
  description = "Create a service gateway to All <region> Services in the Oracle Services Network. Default false: an existing VCN usually has one already; name it in service_gateway_id."
  type        = bool
  default     = false
}

variable "service_gateway_id" {
  description = "The VCN's existing service gateway (required when create_service_gateway = false and a route table is attached)."
  type        = string
  default     = ""
}

variable "attach_function_route_table" {
  description = "Create a route table (service gateway rule + additional_route_rules) and attach it to the function subnet. This REPLACES the subnet's current route table."
  type        = bool
  default     = true
}

variable "attach_gateway_route_table" {
  description = "Attach the same route table to the gateway subnet when it differs from the function subnet: a private gateway reaches Functions through the service gateway. This REPLACES that subnet's current route table."
  type        = bool
  default     = true
}

variable "additional_route_rules" {
  description = "Extra rules kept in the function subnet's new route table, e.g. a NAT gateway or DRG route."
  type = list(object({
    destination       = string
    destination_type  = string
    network_entity_id = string
    description       = string
  }))
  default = []
}

# ---------------------------------------------------------------- function
variable "function_image" {
  description = "Full image path pushed by `fn deploy`/`fn push`: <registry>/<func.yaml name>:<func.yaml version>, e.g. ord.ocir.io/<namespace>/genai-fn/genai:0.1.0."
  type        = string
}

variable "function_memory_mb" {
  description = "Function memory; OCI Functions accepts 128, 256, 512, 1024, 2048 or 3072."
  type        = number
  default     = 128
  validation {
    condition     = contains([128, 256, 512, 1024, 2048, 3072], var.function_memory_mb)
    error_message = "function_memory_mb must be one of 128, 256, 512, 1024, 2048, 3072."
  }
}

variable "function_timeout_seconds" {
  description = "Function timeout (the function also stops retrying upstream before this deadline)."
  type        = number
  default     = 120
  validation {
    condition     = var.function_timeout_seconds >= 5 && var.function_timeout_seconds <= 300
    error_message = "function_timeout_seconds must be between 5 and 300."
  }
}

variable "application_shape" {
  description = "GENERIC_X86, GENERIC_ARM or GENERIC_X86_ARM; must match the image architecture."
  type        = string
  default     = "GENERIC_X86"
}

variable "provisioned_concurrency" {
  description = "Provisioned concurrency units (0 = none; otherwise a multiple of 40) to avoid cold starts; billed while idle."
  type        = number
  default     = 0
  validation {
    condition     = var.provisioned_concurrency >= 0 && var.provisioned_concurrency % 40 == 0
    error_message = "provisioned_concurrency must be 0 or a multiple of 40."
  }
}

# Function configuration: names and meanings are those of docs/configuration.md. Empty = not set.
variable "model_id" {
  description = "MODEL_ID: default chat model, e.g. cohere.command-a-03-2025 or a model OCID."
  type        = string
}

variable "service_endpoint" {
  description = "SERVICE_ENDPOINT. Empty = https://inference.generativeai.<region>.oci.oraclecloud.com."
  type        = string
  default     = ""
}

variable "allowed_models" {
  description = "ALLOWED_MODELS: comma-separated chat models a caller may pick."
  type        = string
  default     = ""
}

variable "embedding_models" {
  description = "EMBEDDING_MODELS: comma-separated embedding models; also adds the embedding IAM statement."
  type        = string
  default     = ""
}

variable "rerank_models" {
  description = "RERANK_MODELS: comma-separated rerank models for /v1/rerank; also adds the rerank IAM statement."
  type        = string
  default     = ""
}

variable "rerank_endpoint_id" {
  description = "RERANK_ENDPOINT_ID: the dedicated endpoint OCID hosting the one rerank model (Rerank 3.5 is served on dedicated AI clusters only)."
  type        = string
  default     = ""

  validation {
    condition     = var.rerank_endpoint_id == "" || startswith(var.rerank_endpoint_id, "ocid1.generativeaiendpoint.")
    error_message = "rerank_endpoint_id must be an endpoint OCID (ocid1.generativeaiendpoint...)."
  }
}

variable "guardrails" {
  description = "GUARDRAILS: check:action list, e.g. content_moderation:block,prompt_injection:block,pii:mask (docs/guardrails.md); also adds the guardrails IAM statement."
  type        = string
  default     = ""
}

variable "guardrails_scope" {
  description = "GUARDRAILS_SCOPE: input (the function's default), input,output, and/or embeddings."
  type        = string
  default     = ""
}

variable "guardrails_on_error" {
  description = "GUARDRAILS_ON_ERROR: closed (the function's default: 503, nothing sent to the model) or open."
  type        = string
  default     = ""

  validation {
    condition     = contains(["", "closed", "open"], var.guardrails_on_error)
    error_message = "guardrails_on_error must be closed or open."
  }
}

variable "dedicated_endpoint_id" {
  description = "DEDICATED_ENDPOINT_ID: endpoint OCID on a dedicated AI cluster instead of on-demand."
  type        = string
  default     = ""
}

variable "extra_function_config" {
  description = "Other config keys from docs/configuration.md, e.g. { DEFAULT_MAX_TOKENS = \"600\", MAX_ATTEMPTS = \"3\" }."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------- IAM
variable "manage_iam" {
  description = "Create the dynamic group and policies (needs tenancy-level IAM rights); false = an admin creates them from docs/iam.md."
  type        = bool
  default     = true
}

variable "iam_propagation_seconds" {
  description = "How long the deployment waits after the IAM policies are created (IAM changes take time to propagate)."
  type        = number
  default     = 60
  validation {
    condition     = var.iam_propagation_seconds >= 0 && var.iam_propagation_seconds <= 600
    error_message = "iam_propagation_seconds must be between 0 and 600."
  }
}

variable "gateway_policy_scope" {
  description = "gateway: only the gateway this stack creates may invoke functions in the compartment (request.principal.id); compartment: any API gateway in the compartment."
  type        = string
  default     = "gateway"
  validation {
    condition     = contains(["gateway", "compartment"], var.gateway_policy_scope)
    error_message = "gateway_policy_scope must be gateway or compartment."
  }
}

variable "dynamic_group_scope" {
  description = "function: match only this function's OCID; compartment: every function in compartment_ocid."
  type        = string
  default     = "function"
  validation {
    condition     = contains(["function", "compartment"], var.dynamic_group_scope)
    error_message = "dynamic_group_scope must be function or compartment."
  }
}

# ---------------------------------------------------------------- API gateway
variable "path_prefix" {
  description = "Deployment path prefix; routes are <prefix>/chat, <prefix>/v1/chat/completions, ..."
  type        = string
  default     = "/genai"
  validation {
    condition     = can(regex("^/[A-Za-z0-9._~/-]*$", var.path_prefix)) && length(var.path_prefix) <= 255
    error_message = "path_prefix must start with / and be at most 255 characters."
  }
}

variable "api_spec_template" {
  description = "ApiSpecification JSON from deploy/apigateway/generate_spec.py --terraform-template. Empty = spec.default.json.tftpl (no gateway auth, 10 rps per client IP)."
  type        = string
  default     = ""
}

variable "usage_plan_clients" {
  description = "Only for a usage-plan spec: subscriber clients (name, token) sent in X-Api-Key."
  type = list(object({
    name  = string
    token = string
  }))
  default   = []
  sensitive = true
}

variable "usage_plan_rate_per_second" {
  description = "Only for a usage-plan spec: per-client rate limit."
  type        = number
  default     = 5
}

variable "usage_plan_monthly_quota" {
  description = "Only for a usage-plan spec: requests per client per calendar month (rejected above)."
  type        = number
  default     = 100000
}

# ---------------------------------------------------------------- logging
variable "log_retention_days" {
  description = "Retention of the gateway access/execution logs and the function invoke logs: 30, 60, 90, 120, 150 or 180 (OCI Logging's 30-day steps)."
  type        = number
  default     = 30
  validation {
    condition     = contains([30, 60, 90, 120, 150, 180], var.log_retention_days)
    error_message = "log_retention_days must be 30, 60, 90, 120, 150 or 180: OCI Logging keeps logs in 30-day steps up to 180."
  }
}

# ---------------------------------------------------------------- per-caller usage metrics (docs/usage.md)
variable "usage_metrics" {
  description = "Create the usage function, its Connector Hub connector from the function log, and its IAM (custom metrics per caller, model and route)."
  type        = bool
  default     = false
}

variable "usage_function_image" {
  description = "Image of the usage function: the chat image with the usage entrypoint (deploy/usage), e.g. ord.ocir.io/<namespace>/genai-fn/genai-usage:0.1.0."
  type        = string
  default     = ""
}

variable "usage_metrics_namespace" {
  description = "USAGE_METRICS_NAMESPACE: custom metric namespace (letters, digits, underscores; not oci_ or oracle_); the IAM statement is limited to it."
  type        = string
  default     = "genai_usage"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]*$", var.usage_metrics_namespace)) && !can(regex("^(?i)(oci_|oracle_)", var.usage_metrics_namespace))
    error_message = "usage_metrics_namespace must start with a letter, hold letters, digits and underscores, and not start with oci_ or oracle_."
  }
}

variable "usage_alarm_topic_id" {
  description = "Notifications topic for the example alarm (a caller above usage_alarm_tokens_per_hour); empty = no alarm."
  type        = string
  default     = ""
}

variable "usage_alarm_caller" {
  description = "Caller the example alarm watches."
  type        = string
  default     = "anonymous"
}

variable "usage_alarm_tokens_per_hour" {
  description = "Example alarm threshold: total tokens of usage_alarm_caller in one hour."
  type        = number
  default     = 1000000
}

# ---------------------------------------------------------------- token budgets in OCI Cache (docs/usage.md)
variable "token_budgets" {
  description = "TOKEN_BUDGETS, e.g. *:200000/day,team-a:1000000/day,ci-bot:5000/hour. Empty = no budgets."
  type        = string
  default     = ""
}

variable "budget_on_store_error" {
  description = "BUDGET_ON_STORE_ERROR: closed (the function's default: 503) or open (let requests through unlimited)."
  type        = string
  default     = ""
  validation {
    condition     = contains(["", "closed", "open"], var.budget_on_store_error)
    error_message = "budget_on_store_error must be closed or open."
  }
}

variable "budget_store_url" {
  description = "BUDGET_STORE_URL of an existing OCI Cache cluster: rediss://<user>:<password>@<primary FQDN>:6379/0. Empty with create_cache_cluster = true: the created cluster's."
  type        = string
  default     = ""
  sensitive   = true
}

variable "create_cache_cluster" {
  description = "Create a non-sharded OCI Cache cluster in the function subnet with one cache user for the budgets."
  type        = bool
  default     = false
}

variable "cache_user_password" {
  description = "Password of the created cache user (stored SHA-256 hashed by OCI Cache; in the function config inside BUDGET_STORE_URL)."
  type        = string
  default     = ""
  sensitive   = true
  validation {
    # URL-unreserved characters only: it is written into BUDGET_STORE_URL as is, and redis-py's URL parsing would
    # read a "+" (what urlencode makes of a space) as a plus, not a space.
    condition     = var.cache_user_password == "" || can(regex("^[A-Za-z0-9._~-]{16,128}$", var.cache_user_password))
    error_message = "cache_user_password: 16 to 128 characters from A-Z a-z 0-9 . _ ~ -"
  }
}

variable "cache_node_count" {
  description = "Nodes of the created cluster (1 primary + replicas; OCI Cache allows 1 to 5)."
  type        = number
  default     = 1
}

variable "cache_node_memory_gbs" {
  description = "Memory per node of the created cluster, in GB."
  type        = number
  default     = 2
}
