# Logs go to OCI Logging (the spec's isEnabled flags only feed the deprecated Object Storage archive).
# Access logs record every request; execution logs follow the spec's logLevel (WARN by default).

resource "oci_logging_log_group" "this" {
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-logs"
  description    = "API gateway access/execution logs and function invoke logs"
}

resource "oci_logging_log" "gateway" {
  for_each           = toset(["access", "execution"])
  display_name       = "${var.name_prefix}-apigw-${each.key}"
  log_group_id       = oci_logging_log_group.this.id
  log_type           = "SERVICE"
  is_enabled         = true
  retention_duration = var.log_retention_days

  configuration {
    compartment_id = var.compartment_ocid
    source {
      category    = each.key
      resource    = oci_apigateway_deployment.this.id
      service     = "apigateway"
      source_type = "OCISERVICE"
    }
  }
}

resource "oci_logging_log" "function_invoke" {
  display_name       = "${var.name_prefix}-fn-invoke"
  log_group_id       = oci_logging_log_group.this.id
  log_type           = "SERVICE"
  is_enabled         = true
  retention_duration = var.log_retention_days

  configuration {
    compartment_id = var.compartment_ocid
    source {
      category    = "invoke"
      resource    = oci_functions_application.this.id
      service     = "functions"
      source_type = "OCISERVICE"
    }
  }
}
