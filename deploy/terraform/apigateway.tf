# The deployment specification is NOT written here by hand. It is the JSON emitted by
# deploy/apigateway/generate_spec.py --terraform-template (default: spec.default.json.tftpl, generated and
# checked by tests/deploy), mapped key by key into the provider's snake_case blocks below.
#
# Plan-time knowability: the template is rendered with a fixed placeholder instead of the function OCID, so
# every count and for_each below depends on variables and files only (the OCID is unknown until the function
# exists, and an unknown count fails the first apply). The placeholder is swapped for the real OCID only in
# the backend's function_id attribute. Every key the generator can emit has a mapping here; the test
# tests/deploy/test_terraform.py fails if one is missing or if the routes Terraform would send differ
# from the JSON spec's routes.

locals {
  api_spec_template       = var.api_spec_template != "" ? var.api_spec_template : "${path.module}/spec.default.json.tftpl"
  function_id_placeholder = "ocid1.fnfunc.oc1..terraform-placeholder"
  api_spec                = jsondecode(templatefile(local.api_spec_template, { function_id = local.function_id_placeholder }))
  api_policies            = try(local.api_spec.requestPolicies, {})
  uses_usage_plans        = try(local.api_spec.requestPolicies.usagePlans, null) != null
  api_key_header          = "X-Api-Key"
}

resource "oci_apigateway_gateway" "this" {
  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-apigw"
  endpoint_type              = "PRIVATE"
  subnet_id                  = var.gateway_subnet_id
  network_security_group_ids = [oci_core_network_security_group.gateway.id]
}

resource "oci_apigateway_deployment" "this" {
  compartment_id = var.compartment_ocid
  gateway_id     = oci_apigateway_gateway.this.id
  display_name   = "${var.name_prefix}-deployment"
  path_prefix    = var.path_prefix

  # The gateway checks its functions-family permission when the deployment is created: wait for the policy
  # to propagate (time_sleep in iam.tf), not only for it to exist.
  depends_on = [oci_identity_policy.gateway_to_functions, time_sleep.iam_propagation]

  specification {
    dynamic "logging_policies" {
      for_each = try([local.api_spec.loggingPolicies], [])
      content {
        dynamic "execution_log" {
          for_each = try([logging_policies.value.executionLog], [])
          content {
            is_enabled = try(execution_log.value.isEnabled, null)
            log_level  = try(execution_log.value.logLevel, null)
          }
        }
        dynamic "access_log" {
          for_each = try([logging_policies.value.accessLog], [])
          content {
            is_enabled = try(access_log.value.isEnabled, null)
          }
        }
      }
    }

    request_policies {
      dynamic "rate_limiting" {
        for_each = try([local.api_policies.rateLimiting], [])
        content {
          rate_in_requests_per_second = rate_limiting.value.rateInRequestsPerSecond
          rate_key                    = rate_limiting.value.rateKey
        }
      }

      dynamic "cors" {
        for_each = try([local.api_policies.cors], [])
        content {
          allowed_origins              = cors.value.allowedOrigins
          allowed_methods              = try(cors.value.allowedMethods, null)
          allowed_headers              = try(cors.value.allowedHeaders, null)
          exposed_headers              = try(cors.value.exposedHeaders, null)
          is_allow_credentials_enabled = try(cors.value.isAllowCredentialsEnabled, null)
          max_age_in_seconds           = try(cors.value.maxAgeInSeconds, null)
        }
      }

      dynamic "usage_plans" {
        for_each = try([local.api_policies.usagePlans], [])
        content {
          token_locations = usage_plans.value.tokenLocations
        }
      }

      dynamic "authentication" {
        for_each = try([local.api_policies.authentication], [])
        content {
          type                        = authentication.value.type
          function_id                 = try(authentication.value.functionId, null)
          parameters                  = try(authentication.value.parameters, null)
          cache_key                   = try(authentication.value.cacheKey, null)
          token_header                = try(authentication.value.tokenHeader, null)
          token_query_param           = try(authentication.value.tokenQueryParam, null)
          token_auth_scheme           = try(authentication.value.tokenAuthScheme, null)
          issuers                     = try(authentication.value.issuers, null)
          audiences                   = try(authentication.value.audiences, null)
          max_clock_skew_in_seconds   = try(authentication.value.maxClockSkewInSeconds, null)
          is_anonymous_access_allowed = try(authentication.value.isAnonymousAccessAllowed, null)

          # JWT_AUTHENTICATION: the caller claim is required in every token (generate_spec.py).
          dynamic "verify_claims" {
            for_each = try(authentication.value.verifyClaims, [])
            content {
              key         = verify_claims.value.key
              values      = try(verify_claims.value.values, null)
              is_required = try(verify_claims.value.isRequired, null)
            }
          }

          # TOKEN_AUTHENTICATION (Oracle's recommended type): remote JWKS plus issuers, audiences and required claims.
          # Block and argument names: website/docs/r/apigateway_deployment.html.markdown, oracle/terraform-provider-oci
          # v8.28.0 (commit 8de3c480).
          dynamic "validation_policy" {
            for_each = try([authentication.value.validationPolicy], [])
            content {
              type                        = validation_policy.value.type
              uri                         = try(validation_policy.value.uri, null)
              max_cache_duration_in_hours = try(validation_policy.value.maxCacheDurationInHours, null)
              is_ssl_verify_disabled      = try(validation_policy.value.isSslVerifyDisabled, null)

              dynamic "additional_validation_policy" {
                for_each = try([validation_policy.value.additionalValidationPolicy], [])
                iterator = extra
                content {
                  issuers   = try(extra.value.issuers, null)
                  audiences = try(extra.value.audiences, null)

                  dynamic "verify_claims" {
                    for_each = try(extra.value.verifyClaims, [])
                    iterator = claim
                    content {
                      key         = claim.value.key
                      values      = try(claim.value.values, null)
                      is_required = try(claim.value.isRequired, null)
                    }
                  }
                }
              }
            }
          }

          dynamic "public_keys" {
            for_each = try([authentication.value.publicKeys], [])
            content {
              type                        = public_keys.value.type
              uri                         = try(public_keys.value.uri, null)
              max_cache_duration_in_hours = try(public_keys.value.maxCacheDurationInHours, null)
              is_ssl_verify_disabled      = try(public_keys.value.isSslVerifyDisabled, null)
            }
          }

          dynamic "validation_failure_policy" {
            for_each = try([authentication.value.validationFailurePolicy], [])
            content {
              type             = validation_failure_policy.value.type
              response_code    = try(validation_failure_policy.value.responseCode, null)
              response_message = try(validation_failure_policy.value.responseMessage, null)
            }
          }
        }
      }
    }

    dynamic "routes" {
      for_each = local.api_spec.routes
      content {
        path    = routes.value.path
        methods = routes.value.methods

        backend {
          type        = routes.value.backend.type
          function_id = replace(routes.value.backend.functionId, local.function_id_placeholder, oci_functions_function.this.id)
        }

        dynamic "request_policies" {
          for_each = try([routes.value.requestPolicies], [])
          content {
            dynamic "authorization" {
              for_each = try([request_policies.value.authorization], [])
              content {
                type          = authorization.value.type
                allowed_scope = try(authorization.value.allowedScope, null)
              }
            }

            # X-Genai-Caller: set from request.auth (OVERWRITE) on authenticated routes, blocked on the others
            # (generate_spec.py caller_transformation; genai_fn/caller.py). Same provider source as above.
            dynamic "header_transformations" {
              for_each = try([request_policies.value.headerTransformations], [])
              iterator = transforms
              content {
                dynamic "set_headers" {
                  for_each = try([transforms.value.setHeaders], [])
                  content {
                    dynamic "items" {
                      for_each = set_headers.value.items
                      content {
                        name      = items.value.name
                        values    = items.value.values
                        if_exists = try(items.value.ifExists, null)
                      }
                    }
                  }
                }

                dynamic "filter_headers" {
                  for_each = try([transforms.value.filterHeaders], [])
                  content {
                    type = filter_headers.value.type
                    dynamic "items" {
                      for_each = filter_headers.value.items
                      content {
                        name = items.value.name
                      }
                    }
                  }
                }
              }
            }

            dynamic "body_validation" {
              for_each = try([request_policies.value.bodyValidation], [])
              content {
                required        = try(body_validation.value.required, null)
                validation_mode = try(body_validation.value.validationMode, null)

                # JSON keys content by media type; the provider wants a list of content blocks.
                dynamic "content" {
                  for_each = body_validation.value.content
                  iterator = media
                  content {
                    media_type      = media.key
                    validation_type = media.value.validationType
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

# Usage plans only when the spec asks for them (generate_spec.py --auth usage-plan): each client's token
# is its API key in X-Api-Key, with its own rate limit and monthly quota.
resource "oci_apigateway_usage_plan" "this" {
  count          = local.uses_usage_plans ? 1 : 0
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-usage-plan"

  entitlements {
    name        = "genai"
    description = "Per-client limits for the Generative AI proxy"
    rate_limit {
      unit  = "SECOND"
      value = var.usage_plan_rate_per_second
    }
    quota {
      unit                = "MONTH"
      value               = var.usage_plan_monthly_quota
      reset_policy        = "CALENDAR"
      operation_on_breach = "REJECT"
    }
    targets {
      deployment_id = oci_apigateway_deployment.this.id
    }
  }
}

resource "oci_apigateway_subscriber" "this" {
  count          = local.uses_usage_plans && length(var.usage_plan_clients) > 0 ? 1 : 0
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-subscribers"
  usage_plans    = [oci_apigateway_usage_plan.this[0].id]

  dynamic "clients" {
    for_each = nonsensitive(toset([for c in var.usage_plan_clients : c.name]))
    content {
      name  = clients.value
      token = one([for c in var.usage_plan_clients : c.token if c.name == clients.value])
    }
  }
}
