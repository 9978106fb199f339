# Provider authentication comes from the environment (~/.oci/config, OCI_CLI_* variables, or Cloud Shell /
# Resource Manager's own principal); nothing secret is set here.
#
# oracle/oci is pinned to the major whose schemas this stack was checked against (8.x, up to 8.28.0): the
# Functions API has since moved a function's image into `sourceDetails` (SDK 2.189.0, oci-cli 3.94), and a
# later provider major may follow it. hashicorp/time provides the IAM propagation wait (iam.tf).
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

# Everything except IAM: the region that serves OCI Generative AI.
provider "oci" {
  region = var.region
}

# IAM (dynamic group, policies) is accepted only in the tenancy's home region. local.home_region is
# var.home_region, or, when that is empty, the home region read from the tenancy's region subscriptions
# (iam.tf): that data source needs only var.tenancy_ocid, so it is read at plan time and the first apply works.
provider "oci" {
  alias  = "home"
  region = local.home_region
}
