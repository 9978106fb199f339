# Provider authentication comes from the environment (~/.oci/config, OCI_CLI_* variables, or Cloud Shell /
# Resource Manager's own principal); nothing secret is set here.
terraform {
  required_version = ">= 1.3.0"
  required_providers {
    oci = {
      source  = "oracle/oci"
      version = ">= 6.0.0"
    }
  }
}

provider "oci" {
  region = var.region
}
