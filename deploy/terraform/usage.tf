# Per-caller usage metrics (docs/usage.md): Connector Hub moves the chat function's log (the application's invoke
# log, logging.tf) to a second function that posts OCI Monitoring custom metrics. Off unless usage_metrics = true.
#
# The usage function lives in an application of its own: its own output must not flow back into the connector
# (the invoke log is per application, and every invocation writes to it), or each batch would trigger the next.
# Arguments checked against oracle/terraform-provider-oci v8.28.0 (commit 8de3c480): oci_sch_service_connector
# (internal/service/sch/sch_service_connector_resource.go: source kind "logging" + log_sources, target kind
# "functions" + function_id), oci_monitoring_alarm (website/docs/r/monitoring_alarm.html.markdown: compartment_id,
# destinations, display_name, is_enabled, metric_compartment_id, namespace, query, severity required).

locals {
  usage_enabled          = var.usage_metrics ? 1 : 0
  usage_dynamic_group    = "${var.name_prefix}-usage-function"
  usage_alarm_enabled    = var.usage_metrics && var.usage_alarm_topic_id != "" ? 1 : 0
  usage_alarm_query      = "total_tokens[1h]{caller = \"${var.usage_alarm_caller}\"}.sum() > ${var.usage_alarm_tokens_per_hour}"
  usage_metric_statement = "allow dynamic-group ${local.usage_dynamic_group} to use metrics in compartment id ${var.compartment_ocid} where target.metrics.namespace = '${var.usage_metrics_namespace}'"
  # Connector Hub invoking the usage function, and reading the log it moves ([3P] the statements public Connector
  # Hub stacks use; Oracle's "create a connector" pages offer the same as default policies).
  connector_statements = [
    "allow any-user to use fn-function in compartment id ${var.compartment_ocid} where all {request.principal.type = 'serviceconnector', request.principal.compartment.id = '${var.compartment_ocid}'}",
    "allow any-user to use fn-invocation in compartment id ${var.compartment_ocid} where all {request.principal.type = 'serviceconnector', request.principal.compartment.id = '${var.compartment_ocid}'}",
    "allow any-user to read log-content in compartment id ${var.compartment_ocid} where all {request.principal.type = 'serviceconnector', request.principal.compartment.id = '${var.compartment_ocid}'}",
  ]
}

resource "oci_functions_application" "usage" {
  count                      = local.usage_enabled
  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-usage-app"
  subnet_ids                 = [var.function_subnet_id]
  network_security_group_ids = [oci_core_network_security_group.functions.id]
  shape                      = var.application_shape
}

# The image is the chat function's image with another entrypoint (deploy/usage/Dockerfile, built by
# `fn deploy -w deploy/usage --build-arg GENAI_IMAGE=<function_image>`).
resource "oci_functions_function" "usage" {
  count              = local.usage_enabled
  application_id     = oci_functions_application.usage[0].id
  display_name       = "${var.name_prefix}-usage"
  image              = var.usage_function_image
  memory_in_mbs      = 128
  timeout_in_seconds = 60
  config = {
    USAGE_METRICS_NAMESPACE        = var.usage_metrics_namespace
    USAGE_METRICS_COMPARTMENT_OCID = var.compartment_ocid
  }

  lifecycle {
    precondition {
      condition     = var.usage_function_image != ""
      error_message = "usage_metrics = true needs usage_function_image: build deploy/usage (docs/usage.md)."
    }
  }
}

resource "oci_sch_service_connector" "usage" {
  count          = local.usage_enabled
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-usage"
  description    = "The chat function's request log to the usage function (per-caller token metrics)"

  source {
    kind = "logging"
    log_sources {
      compartment_id = var.compartment_ocid
      log_group_id   = oci_logging_log_group.this.id
      log_id         = oci_logging_log.function_invoke.id
    }
  }

  target {
    kind        = "functions"
    function_id = oci_functions_function.usage[0].id
  }

  depends_on = [time_sleep.usage_iam_propagation]
}

# The connector is checked against its policy when it is created: wait for the usage policy to propagate too
# (time_sleep.iam_propagation covers the chat function's statements only).
resource "time_sleep" "usage_iam_propagation" {
  count           = var.manage_iam && var.usage_metrics ? 1 : 0
  create_duration = "${var.iam_propagation_seconds}s"
  triggers = {
    usage_policy  = oci_identity_policy.usage[0].id
    dynamic_group = oci_identity_dynamic_group.usage[0].id
  }
}

resource "oci_identity_dynamic_group" "usage" {
  provider       = oci.home
  count          = var.manage_iam && var.usage_metrics ? 1 : 0
  compartment_id = var.tenancy_ocid
  name           = local.usage_dynamic_group
  description    = "Resource principal of the usage function (posts custom metrics)"
  matching_rule  = "ALL {resource.type = 'fnfunc', resource.id = '${oci_functions_function.usage[0].id}'}"
}

resource "oci_identity_policy" "usage" {
  provider       = oci.home
  count          = var.manage_iam && var.usage_metrics ? 1 : 0
  compartment_id = local.policy_compartment
  name           = "${var.name_prefix}-usage-metrics"
  description    = "The usage function posts metrics in its namespace only; Connector Hub invokes it"
  statements     = concat([local.usage_metric_statement], local.connector_statements)
  depends_on     = [oci_identity_dynamic_group.usage]
}

# An example alarm: one caller above a token rate. Needs a Notifications topic (destinations is required).
resource "oci_monitoring_alarm" "usage" {
  count                 = local.usage_alarm_enabled
  compartment_id        = var.compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-tokens-${var.usage_alarm_caller}"
  namespace             = var.usage_metrics_namespace
  query                 = local.usage_alarm_query
  severity              = "WARNING"
  is_enabled            = true
  destinations          = [var.usage_alarm_topic_id]
  body                  = "Caller ${var.usage_alarm_caller} used more than ${var.usage_alarm_tokens_per_hour} tokens in an hour (docs/usage.md)."
}
