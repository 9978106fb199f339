# ---------------------------------------------------------------- tenancy and placement
variable "tenancy_ocid" {
  description = "Tenancy OCID: dynamic groups live at the tenancy level."
  type        = string
}

variable "region" {
  description = "Region identifier, e.g. us-chicago-1 (the same region as the function stack)."
  type        = string
}

variable "home_region" {
  description = "The tenancy's home region, where IAM is written. Empty = read it from the tenancy's region subscriptions at plan time."
  type        = string
  default     = ""
}

variable "compartment_ocid" {
  description = "Compartment for the container instances, the load balancer and the gateway deployment."
  type        = string
}

variable "genai_compartment_ocid" {
  description = "Compartment billed for inference (the service's COMPARTMENT_OCID). Empty = compartment_ocid."
  type        = string
  default     = ""
}

variable "policy_compartment_ocid" {
  description = "Where the IAM policy is attached; an ancestor of (or equal to) both compartments. Empty = tenancy."
  type        = string
  default     = ""
}

variable "name_prefix" {
  description = "Prefix for display names, the dynamic group and the policy."
  type        = string
  default     = "genai-stream"
}

variable "availability_domain" {
  description = "Availability domain of the container instances, e.g. Uocm:US-CHICAGO-1-AD-1 (oci iam availability-domain list)."
  type        = string
}

# ---------------------------------------------------------------- network (existing VCN, subnets and gateway)
variable "vcn_id" {
  description = "Existing VCN (the function stack's)."
  type        = string
}

variable "subnet_id" {
  description = "Existing private subnet for the load balancer and the container instances. Its route table must reach the Oracle Services Network through a service gateway (the function stack's function_subnet_id has that route)."
  type        = string
}

variable "gateway_id" {
  description = "OCID of the function stack's private API gateway: the streaming routes become a second deployment on it."
  type        = string
}

variable "gateway_subnet_cidr" {
  description = "CIDR of the API gateway's subnet: the only source the load balancer accepts."
  type        = string
  validation {
    condition     = can(cidrnetmask(var.gateway_subnet_cidr)) && tonumber(split("/", var.gateway_subnet_cidr)[1]) >= 8
    error_message = "gateway_subnet_cidr must be an IPv4 CIDR no wider than /8."
  }
}

# ---------------------------------------------------------------- the service
variable "image" {
  description = "Streaming edge image in OCIR, <region>.ocir.io/<namespace>/<image>:<version>, built from the streaming edge's own Dockerfile (not the function's image)."
  type        = string
}

variable "replicas" {
  description = "Container instances behind the load balancer (a fixed count: Container Instances do not autoscale)."
  type        = number
  default     = 2
  validation {
    condition     = var.replicas >= 1 && var.replicas <= 20 && floor(var.replicas) == var.replicas
    error_message = "replicas must be a whole number from 1 to 20."
  }
}

variable "ocpus" {
  description = "OCPUs per container instance (CI.Standard.E4.Flex)."
  type        = number
  default     = 1
}

variable "memory_gbs" {
  description = "Memory per container instance, in GB."
  type        = number
  default     = 2
}

variable "service_port" {
  description = "Port the service listens on inside the container: Dockerfile.streaming's ENTRYPOINT serves 8080 (the image reads no PORT variable)."
  type        = number
  default     = 8080
}

variable "health_path" {
  description = "Path the load balancer and the container's liveness check probe."
  type        = string
  default     = "/health"
}

variable "environment" {
  description = "The service's configuration (the same names as the function's, docs/configuration.md), e.g. {MODEL_ID = \"cohere.command-a-03-2025\", COMPARTMENT_OCID = \"ocid1...\"}."
  type        = map(string)
  default     = {}
}

variable "stream_idle_seconds" {
  description = "Longest silence between two events of a stream: the load balancer's idle timeout, which counts between reads and writes, not the whole stream."
  type        = number
  default     = 300
  validation {
    condition     = var.stream_idle_seconds >= 60 && var.stream_idle_seconds <= 7200
    error_message = "stream_idle_seconds must be between 60 and 7200."
  }
}

variable "gateway_read_timeout_seconds" {
  description = "The gateway's read timeout toward the load balancer (HTTP back end readTimeoutInSeconds); whether it bounds the whole stream or the gap between reads is UNVERIFIED (docs/streaming-deploy-facts.md)."
  type        = number
  default     = 300
  validation {
    condition     = var.gateway_read_timeout_seconds >= 1 && var.gateway_read_timeout_seconds <= 300
    error_message = "gateway_read_timeout_seconds must be between 1 and 300."
  }
}

variable "path_prefix" {
  description = "Path prefix of the streaming deployment on the gateway (the function's deployment keeps its own)."
  type        = string
  default     = "/stream"
  validation {
    condition     = can(regex("^/[a-z0-9/_-]*[a-z0-9_-]$", var.path_prefix))
    error_message = "path_prefix must start with / and not end with /."
  }
}

# ---------------------------------------------------------------- IAM
variable "manage_iam" {
  description = "Create the dynamic group and policy (needs IAM rights in the home region); false = print them (outputs) for an administrator."
  type        = bool
  default     = true
}

variable "iam_propagation_seconds" {
  description = "Wait after the IAM writes before the containers start calling (IAM changes take time to reach every region)."
  type        = number
  default     = 60
}

variable "embedding_models" {
  description = "Non-empty when the service serves embeddings: adds the text-embedding permission."
  type        = string
  default     = ""
}

variable "rerank_models" {
  description = "Non-empty when the service serves rerank: adds the text-rerank permission."
  type        = string
  default     = ""
}

variable "guardrails" {
  description = "Non-empty when the service applies guardrails: adds generative-ai-family (as ../terraform/iam.tf)."
  type        = string
  default     = ""
}

# ---------------------------------------------------------------- usage metrics (docs/usage.md)
variable "usage_metrics" {
  description = "Post per-caller usage metrics from the containers (USAGE_METRICS=edge), as the function stack's usage function posts them: adds the containers' `use metrics` statement, limited to usage_metrics_namespace."
  type        = bool
  default     = false
}

variable "usage_metrics_namespace" {
  description = "USAGE_METRICS_NAMESPACE: the function stack's usage_metrics_namespace, so one dashboard shows both edges."
  type        = string
  default     = "genai_usage"
  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]*$", var.usage_metrics_namespace)) && !can(regex("^(?i)(oci_|oracle_)", var.usage_metrics_namespace))
    error_message = "usage_metrics_namespace must start with a letter, hold letters, digits and underscores, and not start with oci_ or oracle_."
  }
}

variable "usage_metrics_compartment_ocid" {
  description = "USAGE_METRICS_COMPARTMENT_OCID: where the metrics are posted; the function stack's compartment_ocid, so one dashboard shows both edges. Empty = compartment_ocid."
  type        = string
  default     = ""
}

variable "budget_store_nsg_id" {
  description = "The function stack's OCI Cache NSG (its budgets.tf `cache` NSG) when token budgets are on: the containers may then reach the same budget store on 6379. Empty: no rule."
  type        = string
  default     = ""
}
