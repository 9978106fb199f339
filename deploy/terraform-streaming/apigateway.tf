# A second deployment on the function stack's private gateway: every path under path_prefix goes to the load
# balancer (an HTTP back end, whose connect/read/send timeouts exist only for HTTP_BACKEND: ApiGateway HTTPBackend
# in the SDK). The wildcard route `/{path*}` and `${request.path[path]}` in the URL follow Oracle's "Adding Path
# Parameters and Wildcards to Route Paths". No authentication here: the function stack's default (generate_spec.py
# --auth none); the other modes come with the spec generator emitting HTTP back ends (docs/streaming-deploy-facts.md).
# Whether the gateway passes server-sent events on as they come is UNVERIFIED: deploy/scripts/check-streaming.py.

locals {
  backend_url = "http://${oci_load_balancer_load_balancer.edge.ip_address_details[0].ip_address}:${local.listener_port}"
}

resource "oci_apigateway_deployment" "streaming" {
  compartment_id = var.compartment_ocid
  gateway_id     = var.gateway_id
  display_name   = "${var.name_prefix}-deployment"
  path_prefix    = var.path_prefix

  specification {
    routes {
      path    = "/{path*}"
      methods = ["GET", "POST"]
      # No authentication on this route: a client's X-Genai-Caller never reaches the edge (generate_spec.py's rule
      # for such routes; the edge ignores the header anyway unless STREAM_TRUST_CALLER_HEADER is true).
      request_policies {
        header_transformations {
          filter_headers {
            type = "BLOCK"
            items {
              name = "X-Genai-Caller"
            }
          }
        }
      }
      backend {
        type                       = "HTTP_BACKEND"
        url                        = "${local.backend_url}/$${request.path[path]}"
        connect_timeout_in_seconds = 10
        read_timeout_in_seconds    = var.gateway_read_timeout_seconds
        send_timeout_in_seconds    = 60
      }
    }
  }
}
