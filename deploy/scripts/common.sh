# shellcheck shell=bash
# Shared by deploy.sh and deploy-streaming.sh (sourced, never run): the deploy.env loader, the DRY_RUN wrapper,
# lookups and the oci-cli version check. Expects `set -euo pipefail`.

SCRIPT_NAME="$(basename "$0")"

DEPLOY_ENV="${DEPLOY_ENV:-./deploy.env}"
if [[ -f "$DEPLOY_ENV" ]]; then
  # Load the file without overriding what the caller already exported.
  while IFS='=' read -r key value; do
    [[ -z "$key" || "$key" == \#* ]] && continue
    key="${key// /}"
    value="${value%\"}"; value="${value#\"}"
    [[ -z "${!key:-}" ]] && export "$key=$value"
  done < "$DEPLOY_ENV"
fi

need() { [[ -n "${!1:-}" ]] || { echo "$SCRIPT_NAME: $1 is required (see the header of this script)" >&2; exit 2; }; }
DRY_RUN="${DRY_RUN:-0}"
log() { printf '==> %s\n' "$*" >&2; }
# Mutating commands go through run, so DRY_RUN shows exactly what would change (a URL's password shown as ***).
run() {
  if [[ "$DRY_RUN" == "1" ]]; then
    { printf 'DRY_RUN:'; printf ' %q' "$@"; echo; } | sed -E 's#(://[^:/@[:space:]]*:)[^@[:space:]]*@#\1***@#g' >&2
  else
    "$@"
  fi
}
# First OCID of a list query, or empty; never fails the script when nothing matches.
first_id() { "$@" --query 'data[0].id' --raw-output 2>/dev/null | grep '^ocid1\.' || true; }

# oci-cli: 3.0.0 has every command used by both scripts (deploy.sh adapts to 3.94's changes itself).
OCI_MIN_VERSION="3.0.0"
version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" == "$2" ]]; }
check_oci_version() {
  OCI_VERSION="$(oci --version 2>/dev/null | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true)"
  if [[ -z "$OCI_VERSION" ]] || ! version_ge "$OCI_VERSION" "$OCI_MIN_VERSION"; then
    echo "$SCRIPT_NAME: oci-cli ${OCI_VERSION:-of unknown version} is too old; $OCI_MIN_VERSION or newer is required" \
      "(pip install --upgrade oci-cli)" >&2
    exit 2
  fi
}

# The tenancy's home region, where IAM is written: HOME_REGION, or looked up with the CLI.
home_region() {
  HOME_REGION="${HOME_REGION:-$(oci iam region-subscription list --tenancy-id "$TENANCY_OCID" \
    --query 'data[?"is-home-region"] | [0]."region-name"' --raw-output 2>/dev/null || true)}"
  [[ -n "$HOME_REGION" ]] || { echo "$SCRIPT_NAME: cannot find the tenancy's home region; set HOME_REGION" >&2; exit 2; }
}

# docker login to OCIR when OCIR_USERNAME and OCIR_AUTH_TOKEN are set (else the caller has logged in).
registry_login() {
  if [[ -n "${OCIR_USERNAME:-}" && -n "${OCIR_AUTH_TOKEN:-}" ]]; then
    printf '%s' "$OCIR_AUTH_TOKEN" | run docker login -u "$OCIR_USERNAME" --password-stdin "${OCIR_REPO%%/*}"
  else
    log "OCIR_USERNAME/OCIR_AUTH_TOKEN not set: assuming you already ran docker login ${OCIR_REPO%%/*}"
  fi
}

# The service's configuration (docs/configuration.md) as one JSON object: exactly the non-empty variables of the list,
# COMPARTMENT_OCID being the compartment billed for inference (GENAI_COMPARTMENT_OCID). Extra names as arguments.
config_json() {
  GENAI_COMPARTMENT_OCID="$GENAI_COMPARTMENT_OCID" SERVICE_ENDPOINT="$SERVICE_ENDPOINT" python3 - "$@" <<'PY'
import json, os, sys
keys = ["MODEL_ID", "COMPARTMENT_OCID", "SERVICE_ENDPOINT", "ALLOWED_MODELS", "EMBEDDING_MODELS", "RERANK_MODELS",
        "RERANK_ENDPOINT_ID", "DEDICATED_ENDPOINT_ID", "API_FORMAT", "DEFAULT_MAX_TOKENS", "MAX_TOKENS_LIMIT", "DEFAULT_TEMPERATURE",
        "DEFAULT_TOP_P", "CONNECT_TIMEOUT_SECONDS", "READ_TIMEOUT_SECONDS", "MAX_ATTEMPTS", "MAX_BODY_BYTES",
        "LOG_CONTENT", "GUARDRAILS", "GUARDRAILS_SCOPE", "GUARDRAILS_ON_ERROR", "GUARDRAILS_THRESHOLD",
        "GUARDRAILS_PII_TYPES", "GUARDRAILS_CATEGORIES", "GUARDRAILS_MAX_CHARS", "TOKEN_BUDGETS", "BUDGET_STORE_URL",
        "BUDGET_ON_STORE_ERROR", *sys.argv[1:]]
env = dict(os.environ, COMPARTMENT_OCID=os.environ["GENAI_COMPARTMENT_OCID"])
print(json.dumps({k: env[k] for k in keys if env.get(k)}))
PY
}
