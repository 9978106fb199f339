# The streaming edge (issue 30): the same package as a long-running HTTP service that streams tokens, beside the
# function stack in ../terraform. Its own root module, applied after that stack: it adds a deployment to the
# function stack's private API gateway (var.gateway_id) and reads nothing else from it.
#
# oracle/oci is pinned to the major whose schemas this stack was checked against (8.28.0, tests/deploy/
# provider_schema.json, extracted from the provider's source by tests/deploy/provider_schema.py).
# docs/streaming-deploy-facts.md says why Container Instances behind a private load balancer, with sources.
terraform {
  required_version = ">= 1.3.0"
  required_providers {
    oci = {
      source  = "oracle/oci"
      version = ">= 8.0.0, < 9.0.0"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.9.0, < 1.0.0"
    }
  }
}

provider "oci" {
  region = var.region
}

# IAM writes are accepted only in the tenancy's home region (as in ../terraform/versions.tf).
provider "oci" {
  alias  = "home"
  region = local.home_region
}
