# Private only: the load balancer has no public IP and accepts the gateway's subnet alone; the containers accept the
# load balancer alone and reach OCI services (Generative AI, OCIR) through the subnet's service-gateway route.

data "oci_core_services" "osn" {
  filter {
    name   = "name"
    values = ["All .* Services In Oracle Services Network"]
    regex  = true
  }
}

resource "oci_core_network_security_group" "lb" {
  compartment_id = var.compartment_ocid
  vcn_id         = var.vcn_id
  display_name   = "${var.name_prefix}-lb-nsg"
}

resource "oci_core_network_security_group" "containers" {
  compartment_id = var.compartment_ocid
  vcn_id         = var.vcn_id
  display_name   = "${var.name_prefix}-ci-nsg"
}

resource "oci_core_network_security_group_security_rule" "lb_from_gateway" {
  network_security_group_id = oci_core_network_security_group.lb.id
  description               = "The API gateway's subnet to the listener"
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = var.gateway_subnet_cidr
  source_type               = "CIDR_BLOCK"
  tcp_options {
    destination_port_range {
      min = local.listener_port
      max = local.listener_port
    }
  }
}

resource "oci_core_network_security_group_security_rule" "lb_to_containers" {
  network_security_group_id = oci_core_network_security_group.lb.id
  description               = "Listener to the containers"
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = oci_core_network_security_group.containers.id
  destination_type          = "NETWORK_SECURITY_GROUP"
  tcp_options {
    destination_port_range {
      min = var.service_port
      max = var.service_port
    }
  }
}

resource "oci_core_network_security_group_security_rule" "containers_from_lb" {
  network_security_group_id = oci_core_network_security_group.containers.id
  description               = "The load balancer (traffic and health checks) to the service port"
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = oci_core_network_security_group.lb.id
  source_type               = "NETWORK_SECURITY_GROUP"
  tcp_options {
    destination_port_range {
      min = var.service_port
      max = var.service_port
    }
  }
}

resource "oci_core_network_security_group_security_rule" "containers_to_services" {
  network_security_group_id = oci_core_network_security_group.containers.id
  description               = "HTTPS to OCI services (Generative AI inference, OCIR, IAM) via the service gateway"
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = data.oci_core_services.osn.services[0].cidr_block
  destination_type          = "SERVICE_CIDR_BLOCK"
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

# Token budgets: the same OCI Cache as the function (deploy/terraform/budgets.tf admits the functions' NSG only), so a
# caller's budget is shared by both edges. Port 6379 as there (assumed, docs/usage.md).
resource "oci_core_network_security_group_security_rule" "containers_to_cache" {
  count                     = var.budget_store_nsg_id == "" ? 0 : 1
  network_security_group_id = oci_core_network_security_group.containers.id
  description               = "The budget store in OCI Cache"
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = var.budget_store_nsg_id
  destination_type          = "NETWORK_SECURITY_GROUP"
  tcp_options {
    destination_port_range {
      min = 6379
      max = 6379
    }
  }
}

resource "oci_core_network_security_group_security_rule" "cache_from_containers" {
  count                     = var.budget_store_nsg_id == "" ? 0 : 1
  network_security_group_id = var.budget_store_nsg_id
  description               = "Valkey/Redis over TLS from the streaming edge's containers"
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = oci_core_network_security_group.containers.id
  source_type               = "NETWORK_SECURITY_GROUP"
  tcp_options {
    destination_port_range {
      min = 6379
      max = 6379
    }
  }
}
