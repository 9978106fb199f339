# A fixed number of container instances behind a private flexible load balancer. The listener's idle timeout counts
# between two successive reads or two successive writes, not the whole exchange (provider docs,
# load_balancer_listener `idle_timeout_in_seconds`; maximum 7200 s), so a stream that sends an event at least every
# stream_idle_seconds stays open however long it runs.

locals {
  listener_port = 80
}

resource "oci_container_instances_container_instance" "edge" {
  count                    = var.replicas
  compartment_id           = var.compartment_ocid
  availability_domain      = var.availability_domain
  display_name             = "${var.name_prefix}-${count.index}"
  shape                    = "CI.Standard.E4.Flex"
  container_restart_policy = "ALWAYS"
  depends_on               = [time_sleep.iam_propagation]

  shape_config {
    ocpus         = var.ocpus
    memory_in_gbs = var.memory_gbs
  }

  containers {
    display_name          = "streaming-edge"
    image_url             = var.image
    environment_variables = merge(var.environment, local.usage_environment)

    health_checks {
      health_check_type = "HTTP"
      port              = var.service_port
      path              = var.health_path
      failure_action    = "KILL"
    }
  }

  vnics {
    subnet_id             = var.subnet_id
    nsg_ids               = [oci_core_network_security_group.containers.id]
    is_public_ip_assigned = false
  }
}

resource "oci_load_balancer_load_balancer" "edge" {
  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-lb"
  shape                      = "flexible"
  is_private                 = true
  subnet_ids                 = [var.subnet_id]
  network_security_group_ids = [oci_core_network_security_group.lb.id]

  shape_details {
    minimum_bandwidth_in_mbps = 10
    maximum_bandwidth_in_mbps = 100
  }
}

resource "oci_load_balancer_backend_set" "edge" {
  load_balancer_id = oci_load_balancer_load_balancer.edge.id
  name             = "${var.name_prefix}-backends"
  policy           = "LEAST_CONNECTIONS"

  health_checker {
    protocol = "HTTP"
    port     = var.service_port
    url_path = var.health_path
  }
}

resource "oci_load_balancer_backend" "edge" {
  count            = var.replicas
  load_balancer_id = oci_load_balancer_load_balancer.edge.id
  backendset_name  = oci_load_balancer_backend_set.edge.name
  ip_address       = oci_container_instances_container_instance.edge[count.index].vnics[0].private_ip
  port             = var.service_port
}

resource "oci_load_balancer_listener" "edge" {
  load_balancer_id         = oci_load_balancer_load_balancer.edge.id
  name                     = "${var.name_prefix}-http"
  default_backend_set_name = oci_load_balancer_backend_set.edge.name
  port                     = local.listener_port
  protocol                 = "HTTP"

  connection_configuration {
    idle_timeout_in_seconds = var.stream_idle_seconds
  }
}
