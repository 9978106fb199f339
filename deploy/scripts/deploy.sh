#!/usr/bin/env bash
# Deploy the OCI Generative AI proxy function behind a private API Gateway with the OCI CLI and Fn CLI,
# for people who do not use Terraform. Safe to re-run: every resource is looked up by name first and
# only created when missing; the function config and the deployment spec are set to the desired state.
#
# Run from the repository root (where func.yaml is), e.g. in OCI Cloud Shell:
#     cp deploy/scripts/deploy.env.example deploy.env && vi deploy.env && bash deploy/scripts/deploy.sh
#
# Needs oci-cli >= 3.0.0 (checked; 3.94 changed `oci fn function update` and the application's
# --wait-for-state values, and both forms are handled), Fn CLI >= 0.5.96 (checked), python3 and docker.
# In Cloud Shell (OCI_CLI_AUTH=instance_obo_user) the Fn context uses the `oracle-cs` provider.
#
# Values come from the environment, or from the file named by DEPLOY_ENV (default ./deploy.env);
# variables already set in the environment win over the file.
#
# Required:
#   OCI_REGION            region identifier, e.g. us-chicago-1
#   COMPARTMENT_OCID      compartment for the application, the gateway and (by default) inference
#   FUNCTION_SUBNET_OCID  private subnet for the functions application
#   GATEWAY_SUBNET_OCID   private subnet for the API gateway
#   OCIR_REPO             image repository, <region-key>.ocir.io/<namespace>/<repo-prefix>
#   MODEL_ID              default chat model (function config MODEL_ID)
# Optional:
#   GENAI_COMPARTMENT_OCID  compartment billed for inference (default COMPARTMENT_OCID)
#   SERVICE_ENDPOINT        default https://inference.generativeai.$OCI_REGION.oci.oraclecloud.com
#   ALLOWED_MODELS, EMBEDDING_MODELS, RERANK_MODELS, RERANK_ENDPOINT_ID, DEDICATED_ENDPOINT_ID, API_FORMAT, DEFAULT_MAX_TOKENS,
#   MAX_TOKENS_LIMIT, DEFAULT_TEMPERATURE, DEFAULT_TOP_P, CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS,
#   MAX_ATTEMPTS, MAX_BODY_BYTES, LOG_CONTENT, GUARDRAILS, GUARDRAILS_SCOPE, GUARDRAILS_ON_ERROR,
#   GUARDRAILS_THRESHOLD, GUARDRAILS_PII_TYPES, GUARDRAILS_CATEGORIES, GUARDRAILS_MAX_CHARS
#                                                                       function config; only non-empty ones are set
#   (GUARDRAILS also adds the guardrails IAM statement, docs/iam.md)
#   APP_NAME (genai-app)  FN_NAME (the `name:` in ./func.yaml, genai; fn deploy names the function after it)
#   FN_MEMORY_MB (128)  FN_TIMEOUT_SECONDS (120)  FN_CONTEXT (genai-$OCI_REGION)
#   FN_PROVIDER  Fn context provider: oracle-cs in Cloud Shell, else oracle (API key in ~/.oci/config)
#   OCIR_USERNAME + OCIR_AUTH_TOKEN   if set, `docker login` to the registry (else log in yourself)
#   GATEWAY_NAME (genai-apigw)  DEPLOYMENT_NAME (genai-deployment)  PATH_PREFIX (/genai)
#   SPEC_ARGS   extra generate_spec.py flags, e.g. "--auth token --jwks-uri https://... --issuer ... --audience ..."
#   CALLER_CLAIM (sub)  token claim or authorizer context key the gateway passes as X-Genai-Caller (docs/usage.md)
#   TOKEN_BUDGETS, BUDGET_STORE_URL, BUDGET_ON_STORE_ERROR   token budgets in OCI Cache (function config)
#   MANAGE_IAM (0)   1 = also create the dynamic group and policies (needs tenancy IAM rights)
#   TENANCY_OCID     required when MANAGE_IAM=1
#   HOME_REGION      the tenancy's home region, where IAM is written (default: looked up with the CLI)
#   IAM_WAIT_SECONDS (60)  pause after creating IAM, and between deployment attempts, for IAM to propagate
#   DRY_RUN (0)      1 = print the mutating commands instead of running them
#   PYTHON (python3) interpreter for the spec generator (standard library only; it reads the function's route
#                    table from genai_fn/router.py, so Cloud Shell's python3 is enough)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/scripts/common.sh disable=SC1091
source "$SCRIPT_DIR/common.sh"
for v in OCI_REGION COMPARTMENT_OCID FUNCTION_SUBNET_OCID GATEWAY_SUBNET_OCID OCIR_REPO MODEL_ID; do need "$v"; done
PYTHON="${PYTHON:-python3}"
for tool in oci fn "$PYTHON"; do
  command -v "$tool" >/dev/null || { echo "deploy.sh: '$tool' not found on PATH" >&2; exit 2; }
done

GENAI_COMPARTMENT_OCID="${GENAI_COMPARTMENT_OCID:-$COMPARTMENT_OCID}"
SERVICE_ENDPOINT="${SERVICE_ENDPOINT:-https://inference.generativeai.${OCI_REGION}.oci.oraclecloud.com}"
# fn deploy names the function (and its image) after func.yaml's `name:`; read it rather than guess.
FUNC_YAML_NAME="$(awk -F': *' '$1 == "name" {print $2; exit}' func.yaml 2>/dev/null || true)"
APP_NAME="${APP_NAME:-genai-app}"
FN_NAME="${FN_NAME:-${FUNC_YAML_NAME:-genai}}"
NAME_PREFIX="genai"
FN_MEMORY_MB="${FN_MEMORY_MB:-128}"
FN_TIMEOUT_SECONDS="${FN_TIMEOUT_SECONDS:-120}"
FN_CONTEXT="${FN_CONTEXT:-genai-${OCI_REGION}}"
GATEWAY_NAME="${GATEWAY_NAME:-${NAME_PREFIX}-apigw}"
DEPLOYMENT_NAME="${DEPLOYMENT_NAME:-${NAME_PREFIX}-deployment}"
PATH_PREFIX="${PATH_PREFIX:-/genai}"
SPEC_ARGS="${SPEC_ARGS:-}"
MANAGE_IAM="${MANAGE_IAM:-0}"
IAM_WAIT_SECONDS="${IAM_WAIT_SECONDS:-60}"
GENERATOR="$SCRIPT_DIR/../apigateway/generate_spec.py"
export OCI_CLI_REGION="$OCI_REGION"

# oci-cli 3.94.0 turned `oci fn function update` into a group (`update container-function`) and moved
# `fn application create --wait-for-state` to work-request states.
check_oci_version
if version_ge "$OCI_VERSION" "3.94.0"; then
  FN_UPDATE=(oci fn function update container-function)
  APP_WAIT_STATE="SUCCEEDED"
else
  FN_UPDATE=(oci fn function update)
  APP_WAIT_STATE="ACTIVE"
fi

# Fn CLI: the oracle-cs provider and Cloud Shell's per-region default contexts arrived in 0.5.96.
FN_MIN_VERSION="0.5.96"
FN_VERSION="$(fn version 2>/dev/null | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true)"
if [[ -n "$FN_VERSION" ]] && ! version_ge "$FN_VERSION" "$FN_MIN_VERSION"; then
  echo "deploy.sh: Fn CLI $FN_VERSION is too old; $FN_MIN_VERSION or newer is required" >&2
  exit 2
fi

# Cloud Shell signs with a delegation token (OCI_CLI_AUTH=instance_obo_user); the Fn CLI's matching
# provider is oracle-cs. Elsewhere, oracle reads the API key from ~/.oci/config.
if [[ "${OCI_CLI_AUTH:-}" == "instance_obo_user" || "${OCI_CLI_CLOUD_SHELL:-}" == "True" ]]; then
  FN_PROVIDER="${FN_PROVIDER:-oracle-cs}"
else
  FN_PROVIDER="${FN_PROVIDER:-oracle}"
fi

case "$FN_MEMORY_MB" in 128|256|512|1024|2048|3072) ;; *) echo "deploy.sh: FN_MEMORY_MB must be 128, 256, 512, 1024, 2048 or 3072" >&2; exit 2;; esac

log "1/8 Fn context $FN_CONTEXT (provider $FN_PROVIDER; oci-cli $OCI_VERSION)"
if ! fn list contexts 2>/dev/null | awk '{print $1, $2}' | grep -qw -- "$FN_CONTEXT"; then
  run fn create context "$FN_CONTEXT" --provider "$FN_PROVIDER"
fi
run fn use context "$FN_CONTEXT"
run fn update context oracle.compartment-id "$COMPARTMENT_OCID"
run fn update context api-url "https://functions.${OCI_REGION}.oraclecloud.com"
run fn update context registry "$OCIR_REPO"

log "2/8 Registry login"
registry_login

log "3/8 Functions application $APP_NAME"
APP_ID="$(first_id oci fn application list --compartment-id "$COMPARTMENT_OCID" --display-name "$APP_NAME" --lifecycle-state ACTIVE)"
if [[ -z "$APP_ID" ]]; then
  run oci fn application create --compartment-id "$COMPARTMENT_OCID" --display-name "$APP_NAME" \
    --subnet-ids "[\"$FUNCTION_SUBNET_OCID\"]" --wait-for-state "$APP_WAIT_STATE" >/dev/null
  APP_ID="$(first_id oci fn application list --compartment-id "$COMPARTMENT_OCID" --display-name "$APP_NAME" --lifecycle-state ACTIVE)"
fi

log "4/8 Build, push and deploy the function (fn deploy --no-bump)"
run fn deploy --app "$APP_NAME" --no-bump
FN_ID="$(first_id oci fn function list --application-id "${APP_ID:-none}" --display-name "$FN_NAME" --lifecycle-state ACTIVE)"
if [[ -z "$FN_ID" && "$DRY_RUN" != "1" ]]; then
  echo "deploy.sh: function $FN_NAME not found in $APP_NAME after fn deploy (is FN_NAME the name in func.yaml?)" >&2
  exit 1
fi
FN_ID="${FN_ID:-ocid1.fnfunc.oc1..dry-run}"

log "5/8 Function memory, timeout and config (exactly the non-empty variables below)"
# shellcheck disable=SC2119  # no extra names: the function's configuration only
CONFIG_JSON="$(config_json)"
run "${FN_UPDATE[@]}" --function-id "$FN_ID" --memory-in-mbs "$FN_MEMORY_MB" \
  --timeout-in-seconds "$FN_TIMEOUT_SECONDS" --config "$CONFIG_JSON" --force >/dev/null

log "6/8 Private API gateway $GATEWAY_NAME"
GW_ID="$(first_id oci api-gateway gateway list --compartment-id "$COMPARTMENT_OCID" --display-name "$GATEWAY_NAME" --lifecycle-state ACTIVE)"
if [[ -z "$GW_ID" ]]; then
  run oci api-gateway gateway create --compartment-id "$COMPARTMENT_OCID" --display-name "$GATEWAY_NAME" \
    --endpoint-type PRIVATE --subnet-id "$GATEWAY_SUBNET_OCID" --wait-for-state SUCCEEDED >/dev/null
  GW_ID="$(first_id oci api-gateway gateway list --compartment-id "$COMPARTMENT_OCID" --display-name "$GATEWAY_NAME" --lifecycle-state ACTIVE)"
fi

log "7/8 IAM (MANAGE_IAM=$MANAGE_IAM)"
DG_NAME="${NAME_PREFIX}-functions"
FN_STATEMENTS="[\"allow dynamic-group $DG_NAME to use generative-ai-chat in compartment id $GENAI_COMPARTMENT_OCID\""
if [[ -n "${EMBEDDING_MODELS:-}" ]]; then
  FN_STATEMENTS+=", \"allow dynamic-group $DG_NAME to use generative-ai-text-embedding in compartment id $GENAI_COMPARTMENT_OCID\""
fi
if [[ -n "${RERANK_MODELS:-}" ]]; then
  FN_STATEMENTS+=", \"allow dynamic-group $DG_NAME to use generative-ai-text-rerank in compartment id $GENAI_COMPARTMENT_OCID\""
fi
if [[ -n "${GUARDRAILS:-}" ]]; then
  # ApplyGuardrails: its resource type is not in Oracle's permission tables (UNVERIFIED, docs/iam.md): the family.
  FN_STATEMENTS+=", \"allow dynamic-group $DG_NAME to use generative-ai-family in compartment id $GENAI_COMPARTMENT_OCID\""
fi
FN_STATEMENTS+="]"
# Only the gateway created above may invoke functions in the compartment.
GW_STATEMENT="ALLOW any-user to use functions-family in compartment id $COMPARTMENT_OCID where ALL {request.principal.type = 'ApiGateway', request.principal.id = '${GW_ID:-ocid1.apigateway.oc1..dry-run}'}"
DG_RULE="ALL {resource.type = 'fnfunc', resource.id = '$FN_ID'}"
IAM_CREATED=0
if [[ "$MANAGE_IAM" == "1" ]]; then
  need TENANCY_OCID
  # IAM writes are accepted only in the home region; every IAM call names it with --region.
  home_region
  log "IAM in the home region $HOME_REGION"
  iam() { oci --region "$HOME_REGION" iam "$@"; }
  if [[ -z "$(first_id iam dynamic-group list --compartment-id "$TENANCY_OCID" --name "$DG_NAME")" ]]; then
    run oci --region "$HOME_REGION" iam dynamic-group create --compartment-id "$TENANCY_OCID" --name "$DG_NAME" \
      --description "OCI Generative AI proxy function" --matching-rule "$DG_RULE" >/dev/null
    IAM_CREATED=1
  fi
  if [[ -z "$(first_id iam policy list --compartment-id "$TENANCY_OCID" --name "${NAME_PREFIX}-function-to-genai")" ]]; then
    run oci --region "$HOME_REGION" iam policy create --compartment-id "$TENANCY_OCID" \
      --name "${NAME_PREFIX}-function-to-genai" \
      --description "Proxy function calls OCI Generative AI" --statements "$FN_STATEMENTS" >/dev/null
    IAM_CREATED=1
  fi
  if [[ -z "$(first_id iam policy list --compartment-id "$TENANCY_OCID" --name "${NAME_PREFIX}-gateway-to-functions")" ]]; then
    run oci --region "$HOME_REGION" iam policy create --compartment-id "$TENANCY_OCID" \
      --name "${NAME_PREFIX}-gateway-to-functions" \
      --description "This API gateway invokes the function" --statements "[\"$GW_STATEMENT\"]" >/dev/null
    IAM_CREATED=1
  fi
  if [[ "$IAM_CREATED" == "1" ]]; then
    log "Waiting ${IAM_WAIT_SECONDS}s for the new IAM to propagate"
    run sleep "$IAM_WAIT_SECONDS"
  fi
else
  log "Skipping IAM. Ask an administrator for (docs/iam.md), in the home region:"
  log "  dynamic group $DG_NAME: $DG_RULE"
  log "  policy: $FN_STATEMENTS"
  log "  policy: $GW_STATEMENT"
fi

log "8/8 Deployment $DEPLOYMENT_NAME at $PATH_PREFIX"
SPEC_FILE="$(mktemp)"
trap 'rm -f "$SPEC_FILE"' EXIT
# shellcheck disable=SC2086  # SPEC_ARGS is a list of flags, split on purpose
"$PYTHON" "$GENERATOR" --function-id "$FN_ID" --caller-claim "${CALLER_CLAIM:-sub}" $SPEC_ARGS > "$SPEC_FILE"
DEP_ID="$(first_id oci api-gateway deployment list --compartment-id "$COMPARTMENT_OCID" --gateway-id "${GW_ID:-none}" --display-name "$DEPLOYMENT_NAME" --lifecycle-state ACTIVE)"
if [[ -z "$DEP_ID" ]]; then
  # The service checks the gateway's functions-family permission now; a policy created moments ago may not
  # have propagated yet, so a failed create is retried after IAM_WAIT_SECONDS (three attempts in all).
  for attempt in 1 2 3; do
    if run oci api-gateway deployment create --compartment-id "$COMPARTMENT_OCID" --gateway-id "${GW_ID:-none}" \
      --display-name "$DEPLOYMENT_NAME" --path-prefix "$PATH_PREFIX" \
      --specification "file://$SPEC_FILE" --wait-for-state SUCCEEDED >/dev/null; then
      break
    fi
    [[ "$attempt" == "3" ]] && { echo "deploy.sh: deployment create failed 3 times (see docs/troubleshooting.md)" >&2; exit 1; }
    log "deployment create failed (attempt $attempt); IAM may still be propagating, retrying in ${IAM_WAIT_SECONDS}s"
    sleep "$IAM_WAIT_SECONDS"
  done
else
  run oci api-gateway deployment update --deployment-id "$DEP_ID" \
    --specification "file://$SPEC_FILE" --force --wait-for-state SUCCEEDED >/dev/null
fi

HOSTNAME="$(oci api-gateway gateway get --gateway-id "${GW_ID:-none}" --query 'data.hostname' --raw-output 2>/dev/null || echo '<gateway-hostname>')"
cat <<DONE

Deployed. From a host that can reach the private gateway:
  curl -sS -X POST 'https://${HOSTNAME}${PATH_PREFIX}/chat' -H 'Content-Type: application/json' -d '{"input": "Say hello"}'
Without the gateway (e.g. Cloud Shell):
  echo '{"input": "Say hello"}' | fn invoke $APP_NAME $FN_NAME
DONE
