#!/usr/bin/env bash
# Deploy the streaming edge (docs/streaming.md) with the OCI CLI, the same stack as deploy/terraform-streaming:
# container instances running Dockerfile.streaming's image behind a private flexible load balancer, reached through
# a second deployment on the private API gateway deploy.sh made. Safe to re-run: every resource is looked up by
# name first and only created when missing; the gateway deployment's spec is set to the desired state.
#
# Run from the repository root after deploy.sh, with the same deploy.env:
#     bash deploy/scripts/deploy-streaming.sh          # DRY_RUN=1 prints what it would change
#
# Every command and flag below is checked against oracle/oci-cli (services/container_instances/.../
# containerinstance_cli.py and containerinstance_cli_extended.py: `container-instance create|list|get`;
# services/load_balancer/.../loadbalancer_cli.py and lb_cli_extended.py: `lb load-balancer create|list|get`,
# `lb backend-set create --health-checker-*`, `lb backend create|list`, `lb listener create
# --connection-configuration-idle-timeout`; services/core/.../virtualnetwork_cli.py: `network vnic get`); the JSON
# keys of --containers, --vnics and --shape-config are the SDK models' (oci.container_instances.models
# CreateContainerDetails, CreateContainerHttpHealthCheckDetails, CreateContainerVnicDetails,
# CreateContainerInstanceShapeConfigDetails), the spec's the ApiGateway HTTPBackend model's.
#
# Needs oci-cli >= 3.0.0 (checked), python3 and docker.
#
# Required (as deploy.sh): OCI_REGION, COMPARTMENT_OCID, OCIR_REPO, MODEL_ID, and
#   STREAM_SUBNET_OCID    private subnet for the container instances and the load balancer (the gateway's subnet
#                         must reach it on port 80, the load balancer the containers on 8080)
#   AVAILABILITY_DOMAIN   e.g. Uocm:US-CHICAGO-1-AD-1 (oci iam availability-domain list)
# Optional:
#   the function's configuration variables (deploy.sh's list): the containers get the same, non-empty ones;
#   STREAM_DEADLINE_SECONDS, STREAM_IDLE_SECONDS, STREAM_WORKERS   the edge's own (docs/streaming.md)
#   USAGE_METRICS=edge   the containers post the usage metrics (docs/usage.md): passes USAGE_METRICS_NAMESPACE
#                         (genai_usage), USAGE_METRICS_COMPARTMENT_OCID (COMPARTMENT_OCID), USAGE_PRICES, and adds
#                         the `use metrics` statement (an existing policy is not changed: add it there yourself)
#   GATEWAY_NAME (genai-apigw)   the gateway deploy.sh made; STREAM_PATH_PREFIX (/stream)
#   STREAM_NAME_PREFIX (genai-stream)  STREAM_REPLICAS (2)  STREAM_OCPUS (1)  STREAM_MEMORY_GB (2)
#   STREAM_IMAGE_TAG (the commit, git rev-parse --short HEAD)   the image is $OCIR_REPO/genai-stream:$STREAM_IMAGE_TAG
#   STREAM_NSG_OCIDS  JSON list of NSGs for the containers and the load balancer (default none: security lists)
#   LB_IDLE_TIMEOUT_SECONDS (300)  the listener's idle timeout between two reads or two writes (max 7200)
#   GATEWAY_READ_TIMEOUT_SECONDS (300)  the HTTP back end's read timeout (300 at most here; UNVERIFIED maximum)
#   SKIP_BUILD (0)   1 = the image is already pushed
#   MANAGE_IAM (0), TENANCY_OCID, HOME_REGION, IAM_WAIT_SECONDS (60)   as deploy.sh
#   OCIR_USERNAME + OCIR_AUTH_TOKEN   as deploy.sh
#   DRY_RUN (0)      1 = print the mutating commands instead of running them
# Re-running keeps existing container instances: to roll out a new image or configuration, delete them
# (oci container-instances container-instance delete) and run again; the load balancer's backends follow.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/scripts/common.sh disable=SC1091
source "$SCRIPT_DIR/common.sh"
for v in OCI_REGION COMPARTMENT_OCID OCIR_REPO MODEL_ID STREAM_SUBNET_OCID AVAILABILITY_DOMAIN; do need "$v"; done
for tool in oci python3; do
  command -v "$tool" >/dev/null || { echo "$SCRIPT_NAME: '$tool' not found on PATH" >&2; exit 2; }
done
check_oci_version

GENAI_COMPARTMENT_OCID="${GENAI_COMPARTMENT_OCID:-$COMPARTMENT_OCID}"
SERVICE_ENDPOINT="${SERVICE_ENDPOINT:-https://inference.generativeai.${OCI_REGION}.oci.oraclecloud.com}"
GATEWAY_NAME="${GATEWAY_NAME:-genai-apigw}"
PREFIX="${STREAM_NAME_PREFIX:-genai-stream}"
PATH_PREFIX="${STREAM_PATH_PREFIX:-/stream}"
REPLICAS="${STREAM_REPLICAS:-2}"
OCPUS="${STREAM_OCPUS:-1}"
MEMORY_GB="${STREAM_MEMORY_GB:-2}"
TAG="${STREAM_IMAGE_TAG:-$(git rev-parse --short HEAD 2>/dev/null || echo latest)}"
IMAGE="${OCIR_REPO}/genai-stream:${TAG}"
NSG_IDS="${STREAM_NSG_OCIDS:-[]}"
NSG_FLAG=()
[[ "$NSG_IDS" == "[]" ]] || NSG_FLAG=(--nsg-ids "$NSG_IDS")
LB_IDLE_TIMEOUT_SECONDS="${LB_IDLE_TIMEOUT_SECONDS:-300}"
GATEWAY_READ_TIMEOUT_SECONDS="${GATEWAY_READ_TIMEOUT_SECONDS:-300}"
MANAGE_IAM="${MANAGE_IAM:-0}"
IAM_WAIT_SECONDS="${IAM_WAIT_SECONDS:-60}"
SERVICE_PORT=8080   # Dockerfile.streaming's ENTRYPOINT listens there (--port 8080)
LISTENER_PORT=80
HEALTH_PATH=/health
export OCI_CLI_REGION="$OCI_REGION"

[[ "$REPLICAS" =~ ^[1-9][0-9]*$ ]] || { echo "$SCRIPT_NAME: STREAM_REPLICAS must be a positive number" >&2; exit 2; }
if (( GATEWAY_READ_TIMEOUT_SECONDS > 300 )); then
  echo "$SCRIPT_NAME: GATEWAY_READ_TIMEOUT_SECONDS above 300 is not documented for API Gateway" >&2; exit 2
fi
if (( LB_IDLE_TIMEOUT_SECONDS > 7200 )); then
  echo "$SCRIPT_NAME: LB_IDLE_TIMEOUT_SECONDS is at most 7200 (load balancer listener limit)" >&2; exit 2
fi

log "1/6 Image $IMAGE (Dockerfile.streaming)"
if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  command -v docker >/dev/null || { echo "$SCRIPT_NAME: 'docker' not found on PATH (or set SKIP_BUILD=1)" >&2; exit 2; }
  registry_login
  run docker build -f Dockerfile.streaming -t "$IMAGE" .
  run docker push "$IMAGE"
fi

log "2/6 IAM for the containers' resource principal (MANAGE_IAM=$MANAGE_IAM)"
# As deploy/terraform-streaming/iam.tf: the resource type as in the OCID (ocid1.computecontainerinstance...), the
# inference verbs the configuration needs, and `read repos` to pull the image from OCIR without a secret.
DG_NAME="${PREFIX}-containers"
DG_RULE="ALL {resource.type = 'computecontainerinstance', resource.compartment.id = '$COMPARTMENT_OCID'}"
STATEMENTS="[\"allow dynamic-group $DG_NAME to use generative-ai-chat in compartment id $GENAI_COMPARTMENT_OCID\""
STATEMENTS+=", \"allow dynamic-group $DG_NAME to read repos in compartment id $COMPARTMENT_OCID\""
[[ -n "${EMBEDDING_MODELS:-}" ]] && STATEMENTS+=", \"allow dynamic-group $DG_NAME to use generative-ai-text-embedding in compartment id $GENAI_COMPARTMENT_OCID\""
[[ -n "${RERANK_MODELS:-}" ]] && STATEMENTS+=", \"allow dynamic-group $DG_NAME to use generative-ai-text-rerank in compartment id $GENAI_COMPARTMENT_OCID\""
[[ -n "${GUARDRAILS:-}" ]] && STATEMENTS+=", \"allow dynamic-group $DG_NAME to use generative-ai-family in compartment id $GENAI_COMPARTMENT_OCID\""
USAGE_KEYS=()
if [[ "${USAGE_METRICS:-}" == "edge" ]]; then  # the edge posts the usage metrics itself (docs/usage.md)
  USAGE_METRICS_NAMESPACE="${USAGE_METRICS_NAMESPACE:-genai_usage}"
  USAGE_METRICS_COMPARTMENT_OCID="${USAGE_METRICS_COMPARTMENT_OCID:-$COMPARTMENT_OCID}"
  export USAGE_METRICS USAGE_METRICS_NAMESPACE USAGE_METRICS_COMPARTMENT_OCID
  USAGE_KEYS=(USAGE_METRICS USAGE_METRICS_NAMESPACE USAGE_METRICS_COMPARTMENT_OCID USAGE_PRICES)
  # The usage function's statement (deploy/terraform/usage.tf), for the containers.
  STATEMENTS+=", \"allow dynamic-group $DG_NAME to use metrics in compartment id $USAGE_METRICS_COMPARTMENT_OCID where target.metrics.namespace = '$USAGE_METRICS_NAMESPACE'\""
fi
STATEMENTS+="]"
if [[ "$MANAGE_IAM" == "1" ]]; then
  need TENANCY_OCID
  home_region
  IAM_CREATED=0
  if [[ -z "$(first_id oci --region "$HOME_REGION" iam dynamic-group list --compartment-id "$TENANCY_OCID" --name "$DG_NAME")" ]]; then
    run oci --region "$HOME_REGION" iam dynamic-group create --compartment-id "$TENANCY_OCID" --name "$DG_NAME" \
      --description "Resource principal of the streaming edge's container instances" --matching-rule "$DG_RULE" >/dev/null
    IAM_CREATED=1
  fi
  if [[ -z "$(first_id oci --region "$HOME_REGION" iam policy list --compartment-id "$TENANCY_OCID" --name "${PREFIX}-containers-to-genai")" ]]; then
    run oci --region "$HOME_REGION" iam policy create --compartment-id "$TENANCY_OCID" \
      --name "${PREFIX}-containers-to-genai" \
      --description "Lets the streaming edge call OCI Generative AI inference and pull its image" \
      --statements "$STATEMENTS" >/dev/null
    IAM_CREATED=1
  fi
  if [[ "$IAM_CREATED" == "1" ]]; then
    log "Waiting ${IAM_WAIT_SECONDS}s for the new IAM to propagate"
    run sleep "$IAM_WAIT_SECONDS"
  fi
else
  log "Skipping IAM. Ask an administrator for, in the home region:"
  log "  dynamic group $DG_NAME: $DG_RULE"
  log "  policy: $STATEMENTS"
fi

log "3/6 $REPLICAS container instance(s) $PREFIX-N ($OCPUS OCPU, $MEMORY_GB GB each)"
ENVIRONMENT="$(config_json STREAM_DEADLINE_SECONDS STREAM_IDLE_SECONDS STREAM_WORKERS "${USAGE_KEYS[@]}")"
CONTAINERS="$(IMAGE="$IMAGE" ENVIRONMENT="$ENVIRONMENT" PORT="$SERVICE_PORT" HEALTH="$HEALTH_PATH" python3 -c '
import json, os
port = int(os.environ["PORT"])
print(json.dumps([{
    "displayName": "streaming-edge",
    "imageUrl": os.environ["IMAGE"],
    "environmentVariables": json.loads(os.environ["ENVIRONMENT"]),
    "healthChecks": [{"healthCheckType": "HTTP", "port": port, "path": os.environ["HEALTH"], "failureAction": "KILL"}],
}]))')"
VNICS="[{\"subnetId\": \"$STREAM_SUBNET_OCID\", \"isPublicIpAssigned\": false, \"nsgIds\": $NSG_IDS}]"
BACKEND_IPS=()
for ((i = 0; i < REPLICAS; i++)); do
  NAME="${PREFIX}-${i}"
  CI_ID="$(first_id oci container-instances container-instance list --compartment-id "$COMPARTMENT_OCID" --display-name "$NAME" --lifecycle-state ACTIVE)"
  if [[ -z "$CI_ID" ]]; then
    run oci container-instances container-instance create --compartment-id "$COMPARTMENT_OCID" \
      --availability-domain "$AVAILABILITY_DOMAIN" --display-name "$NAME" --shape CI.Standard.E4.Flex \
      --shape-config "{\"ocpus\": $OCPUS, \"memoryInGBs\": $MEMORY_GB}" --container-restart-policy ALWAYS \
      --containers "$CONTAINERS" --vnics "$VNICS" --wait-for-state SUCCEEDED >/dev/null
    CI_ID="$(first_id oci container-instances container-instance list --compartment-id "$COMPARTMENT_OCID" --display-name "$NAME" --lifecycle-state ACTIVE)"
  fi
  VNIC_ID="$(oci container-instances container-instance get --container-instance-id "${CI_ID:-none}" \
    --query 'data.vnics[0]."vnic-id"' --raw-output 2>/dev/null | grep '^ocid1\.' || true)"
  IP="$(oci network vnic get --vnic-id "${VNIC_ID:-none}" --query 'data."private-ip"' --raw-output 2>/dev/null \
    | grep -E '^[0-9.]+$' || true)"
  BACKEND_IPS+=("${IP:-10.0.0.$((i + 10))}")   # a placeholder only in a dry run, where nothing was created
  [[ -n "$IP" || "$DRY_RUN" == "1" ]] || { echo "$SCRIPT_NAME: no private IP for $NAME" >&2; exit 1; }
done

log "4/6 Private load balancer ${PREFIX}-lb (listener idle timeout ${LB_IDLE_TIMEOUT_SECONDS}s)"
LB_ID="$(first_id oci lb load-balancer list --compartment-id "$COMPARTMENT_OCID" --display-name "${PREFIX}-lb" --lifecycle-state ACTIVE)"
if [[ -z "$LB_ID" ]]; then
  run oci lb load-balancer create --compartment-id "$COMPARTMENT_OCID" --display-name "${PREFIX}-lb" \
    --shape-name flexible --shape-details '{"minimumBandwidthInMbps": 10, "maximumBandwidthInMbps": 100}' \
    --subnet-ids "[\"$STREAM_SUBNET_OCID\"]" --is-private true "${NSG_FLAG[@]}" --wait-for-state SUCCEEDED >/dev/null
  LB_ID="$(first_id oci lb load-balancer list --compartment-id "$COMPARTMENT_OCID" --display-name "${PREFIX}-lb" --lifecycle-state ACTIVE)"
fi
LB_ID="${LB_ID:-ocid1.loadbalancer.oc1..dry-run}"
BACKEND_SET="${PREFIX}-backends"
if ! oci lb backend-set list --load-balancer-id "$LB_ID" --query 'data[].name' --raw-output 2>/dev/null | grep -qF "\"$BACKEND_SET\""; then
  run oci lb backend-set create --load-balancer-id "$LB_ID" --name "$BACKEND_SET" --policy LEAST_CONNECTIONS \
    --health-checker-protocol HTTP --health-checker-port "$SERVICE_PORT" --health-checker-url-path "$HEALTH_PATH" \
    --wait-for-state SUCCEEDED >/dev/null
fi
BACKENDS="$(oci lb backend list --load-balancer-id "$LB_ID" --backend-set-name "$BACKEND_SET" \
  --query 'data[]."ip-address"' --raw-output 2>/dev/null || true)"
for ip in "${BACKEND_IPS[@]}"; do
  if ! grep -qF "\"$ip\"" <<<"$BACKENDS"; then
    run oci lb backend create --load-balancer-id "$LB_ID" --backend-set-name "$BACKEND_SET" --ip-address "$ip" \
      --port "$SERVICE_PORT" --wait-for-state SUCCEEDED >/dev/null
  fi
done
LISTENER="${PREFIX}-http"
if ! oci lb load-balancer get --load-balancer-id "$LB_ID" --query 'keys(data.listeners)' --raw-output 2>/dev/null | grep -qF "\"$LISTENER\""; then
  run oci lb listener create --load-balancer-id "$LB_ID" --name "$LISTENER" --default-backend-set-name "$BACKEND_SET" \
    --port "$LISTENER_PORT" --protocol HTTP --connection-configuration-idle-timeout "$LB_IDLE_TIMEOUT_SECONDS" \
    --wait-for-state SUCCEEDED >/dev/null
fi
LB_IP="$(oci lb load-balancer get --load-balancer-id "$LB_ID" --query 'data."ip-addresses"[0]."ip-address"' \
  --raw-output 2>/dev/null | grep -E '^[0-9.]+$' || echo '<load-balancer-ip>')"
BACKEND_URL="http://${LB_IP}:${LISTENER_PORT}"

log "5/6 Streaming deployment ${PREFIX}-deployment at $PATH_PREFIX on $GATEWAY_NAME"
GW_ID="$(first_id oci api-gateway gateway list --compartment-id "$COMPARTMENT_OCID" --display-name "$GATEWAY_NAME" --lifecycle-state ACTIVE)"
[[ -n "$GW_ID" || "$DRY_RUN" == "1" ]] || { echo "$SCRIPT_NAME: gateway $GATEWAY_NAME not found: run deploy.sh first" >&2; exit 1; }
SPEC_FILE="$(mktemp)"
trap 'rm -f "$SPEC_FILE"' EXIT
# As deploy/terraform-streaming/apigateway.tf: every path under the prefix to the load balancer (HTTP back end).
# shellcheck disable=SC2016  # ${request.path[path]} is the gateway's context variable, not the shell's
BACKEND_URL="$BACKEND_URL" READ="$GATEWAY_READ_TIMEOUT_SECONDS" python3 -c '
import json, os
print(json.dumps({"routes": [{"path": "/{path*}", "methods": ["GET", "POST"], "backend": {
    "type": "HTTP_BACKEND", "url": os.environ["BACKEND_URL"] + "/${request.path[path]}",
    "connectTimeoutInSeconds": 10, "readTimeoutInSeconds": float(os.environ["READ"]), "sendTimeoutInSeconds": 60}}]}))
' > "$SPEC_FILE"
[[ "$DRY_RUN" == "1" ]] && log "spec: $(cat "$SPEC_FILE")"
DEP_ID="$(first_id oci api-gateway deployment list --compartment-id "$COMPARTMENT_OCID" --gateway-id "${GW_ID:-none}" --display-name "${PREFIX}-deployment" --lifecycle-state ACTIVE)"
if [[ -z "$DEP_ID" ]]; then
  run oci api-gateway deployment create --compartment-id "$COMPARTMENT_OCID" --gateway-id "${GW_ID:-none}" \
    --display-name "${PREFIX}-deployment" --path-prefix "$PATH_PREFIX" \
    --specification "file://$SPEC_FILE" --wait-for-state SUCCEEDED >/dev/null
else
  run oci api-gateway deployment update --deployment-id "$DEP_ID" \
    --specification "file://$SPEC_FILE" --force --wait-for-state SUCCEEDED >/dev/null
fi

log "6/6 Check that events arrive one by one"
HOSTNAME="$(oci api-gateway gateway get --gateway-id "${GW_ID:-none}" --query 'data.hostname' --raw-output 2>/dev/null || true)"
HOSTNAME="${HOSTNAME:-<gateway-hostname>}"
cat <<DONE

Deployed. From a host that reaches the private gateway (exit 0: streamed; 1: buffered on the way):
  python3 deploy/scripts/check-streaming.py https://${HOSTNAME}${PATH_PREFIX}/v1/chat/completions
If the gateway buffers, call the load balancer directly from inside the VCN:
  python3 deploy/scripts/check-streaming.py ${BACKEND_URL}/v1/chat/completions
DONE
