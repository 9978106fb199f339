# The function runs in a private subnet with no internet route: it reaches OCI Generative AI (and the
# gateway reaches the Functions service) through a service gateway to the Oracle Services Network. A private
# gateway invokes the function through the Functions service endpoint, so the GATEWAY's subnet needs the
# service-gateway route too: the route table below is attached to both subnets.
#
# The VCN is always an existing one here, and an existing VCN usually has a service gateway already:
# create_service_gateway defaults to false and service_gateway_id names the existing one.

data "oci_core_services" "osn" {
  filter {
    name   = "name"
    values = ["All .* Services In Oracle Services Network"]
    regex  = true
  }
}

locals {
  osn_service_id      = data.oci_core_services.osn.services[0].id
  osn_cidr_label      = data.oci_core_services.osn.services[0].cidr_block
  service_gateway_id  = var.create_service_gateway ? oci_core_service_gateway.this[0].id : var.service_gateway_id
  network_compartment = var.compartment_ocid
}

resource "oci_core_service_gateway" "this" {
  count          = var.create_service_gateway ? 1 : 0
  compartment_id = local.network_compartment
  vcn_id         = var.vcn_id
  display_name   = "${var.name_prefix}-sgw"
  services {
    service_id = local.osn_service_id
  }
}

# Replaces the subnets' route tables: keep other routes via var.additional_route_rules.
resource "oci_core_route_table" "functions" {
  count          = var.attach_function_route_table || var.attach_gateway_route_table ? 1 : 0
  compartment_id = local.network_compartment
  vcn_id         = var.vcn_id
  display_name   = "${var.name_prefix}-fn-rt"

  route_rules {
    description       = "OCI services (Generative AI inference, Functions, Logging) via the service gateway"
    destination       = local.osn_cidr_label
    destination_type  = "SERVICE_CIDR_BLOCK"
    network_entity_id = local.service_gateway_id
  }

  dynamic "route_rules" {
    for_each = var.additional_route_rules
    content {
      description       = route_rules.value.description
      destination       = route_rules.value.destination
      destination_type  = route_rules.value.destination_type
      network_entity_id = route_rules.value.network_entity_id
    }
  }

  lifecycle {
    precondition {
      condition     = var.create_service_gateway || var.service_gateway_id != ""
      error_message = "Set service_gateway_id to the VCN's existing service gateway (oci network service-gateway list --compartment-id <c> --vcn-id <vcn>), or create_service_gateway = true if the VCN has none."
    }
  }
}

resource "oci_core_route_table_attachment" "functions" {
  count          = var.attach_function_route_table ? 1 : 0
  subnet_id      = var.function_subnet_id
  route_table_id = oci_core_route_table.functions[0].id
}

# The private gateway reaches the Functions service through the same service gateway. Skipped when both
# components share one subnet (the attachment above already covers it).
resource "oci_core_route_table_attachment" "gateway" {
  count          = var.attach_gateway_route_table && var.gateway_subnet_id != var.function_subnet_id ? 1 : 0
  subnet_id      = var.gateway_subnet_id
  route_table_id = oci_core_route_table.functions[0].id
}

# NSGs instead of editing the subnets' security lists: only what each component needs.
resource "oci_core_network_security_group" "functions" {
  compartment_id = local.network_compartment
  vcn_id         = var.vcn_id
  display_name   = "${var.name_prefix}-fn-nsg"
}

resource "oci_core_network_security_group_security_rule" "functions_egress_osn" {
  network_security_group_id = oci_core_network_security_group.functions.id
  description               = "HTTPS to OCI services (Generative AI, Functions, Registry, Logging) via the service gateway"
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = local.osn_cidr_label
  destination_type          = "SERVICE_CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

resource "oci_core_network_security_group" "gateway" {
  compartment_id = local.network_compartment
  vcn_id         = var.vcn_id
  display_name   = "${var.name_prefix}-apigw-nsg"
}

resource "oci_core_network_security_group_security_rule" "gateway_ingress_clients" {
  #checkov:skip=CKV_OCI_21:Stateful on purpose: TLS from named client CIDRs only; see SECURITY-CHECKS.md
  for_each                  = toset(var.client_cidrs)
  network_security_group_id = oci_core_network_security_group.gateway.id
  description               = "HTTPS from allowed client range ${each.value}"
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = each.value
  source_type               = "CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

resource "oci_core_network_security_group_security_rule" "gateway_egress_osn" {
  network_security_group_id = oci_core_network_security_group.gateway.id
  description               = "HTTPS to the Functions service (and the JWKS/authorizer) via the service gateway"
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = local.osn_cidr_label
  destination_type          = "SERVICE_CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}
