#!/usr/bin/env bash
# Deploys deploy/cloudrun/service.yaml to Cloud Run with the given image, then prints the service's URL once its
# readiness answers 200.
#   GCP_PROJECT_ID=my-project scripts/deploy-cloudrun.sh eu.gcr.io/my-project/yolov5-detector:1.0.0
#   scripts/deploy-cloudrun.sh --dry-run IMAGE     prints the rendered service.yaml and the gcloud commands, runs nothing
# Environment: GCP_PROJECT_ID (required), CLOUD_RUN_REGION (default europe-west1), CLOUD_RUN_SERVICE (default the
# name in service.yaml, yolov5-detector), ALLOW_UNAUTHENTICATED (true: anyone may call it; default false: callers
# need roles/run.invoker), READY_TIMEOUT (seconds to wait for /health/ready, default 300), DRY_RUN=true (as --dry-run),
# API_KEYS_SECRET / METRICS_API_KEY_SECRET (Secret Manager secrets whose latest version becomes API_KEYS /
# METRICS_API_KEY; unset: no keys; the service's runtime account needs roles/secretmanager.secretAccessor on them).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: GCP_PROJECT_ID=PROJECT $0 [--dry-run] IMAGE   (e.g. eu.gcr.io/PROJECT/yolov5-detector:1.0.0)" >&2
  exit 2
}
fail() {
  echo "deploy-cloudrun: $*" >&2
  exit 1
}

dry_run=${DRY_RUN:-false}
image=
for arg in "$@"; do
  case $arg in
  --dry-run) dry_run=true ;;
  -h | --help) usage ;;
  -*) usage ;;
  *) [[ -z $image ]] || usage; image=$arg ;;
  esac
done
[[ -n $image ]] || usage
[[ $image =~ ^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$ ]] ||
  fail "'$image' is not a registry image with a tag or digest (REGISTRY/PATH:TAG): Cloud Run pulls from a registry, never a local image"
project=${GCP_PROJECT_ID:-}
[[ -n $project ]] || fail "set GCP_PROJECT_ID"
region=${CLOUD_RUN_REGION:-europe-west1}
template=deploy/cloudrun/service.yaml
service=${CLOUD_RUN_SERVICE:-$(awk '/^metadata:/ {m = 1; next} m && /^  name:/ {print $2; exit}' "$template")}
[[ $service =~ ^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$ ]] || fail "'$service' is not a valid Cloud Run service name"
ready_timeout=${READY_TIMEOUT:-300}

secret_name='^[A-Za-z0-9_-]{1,255}$'
[[ -z ${API_KEYS_SECRET:-} || $API_KEYS_SECRET =~ $secret_name ]] || fail "'$API_KEYS_SECRET' is not a Secret Manager secret name"
[[ -z ${METRICS_API_KEY_SECRET:-} || $METRICS_API_KEY_SECRET =~ $secret_name ]] || fail "'$METRICS_API_KEY_SECRET' is not a Secret Manager secret name"

# service.yaml with the service's name, the image to deploy (one `image:` line and one top-level name) and the keys'
# secrets as environment variables, first in the container's `env:` list.
rendered=$(mktemp /tmp/cloudrun-service.XXXXXX.yaml)
trap 'rm -f "$rendered"' EXIT
awk -v name="$service" -v image="$image" -v keys="${API_KEYS_SECRET:-}" -v metrics="${METRICS_API_KEY_SECRET:-}" '
  function secret_env(variable, secret, indent) {
    if (secret == "") return
    print indent "- name: " variable
    print indent "  valueFrom:"
    print indent "    secretKeyRef:"
    print indent "      name: " secret
    print indent "      key: latest"
  }
  /^metadata:/ { top = 1 }
  /^spec:/ { top = 0 }
  top && /^  name:/ { print "  name: " name; named++; next }
  /^ +image: / { sub(/image: .*/, "image: " image); imaged++ }
  { print }
  /^ +env:$/ { match($0, /^ +/); indent = substr($0, 1, RLENGTH) "  "; secret_env("API_KEYS", keys, indent); secret_env("METRICS_API_KEY", metrics, indent); envs++ }
  END { if (named != 1 || imaged != 1 || envs != 1) exit 1 }
' "$template" >"$rendered" || fail "$template must have one metadata.name, one image line and one env list"

# Runs a command, or in a dry run prints it (shell-quoted) instead.
run() {
  if $dry_run; then
    printf '+' >&2
    printf ' %q' "$@" >&2
    printf '\n' >&2
  else
    "$@"
  fi
}

where=(--region "$region" --project "$project")
if $dry_run; then cat "$rendered"; fi
run gcloud run services replace "$rendered" "${where[@]}" --quiet
if [[ ${ALLOW_UNAUTHENTICATED:-false} == true ]]; then
  run gcloud run services add-iam-policy-binding "$service" "${where[@]}" --member allUsers --role roles/run.invoker --quiet
fi
if $dry_run; then
  run gcloud run services describe "$service" "${where[@]}" --format 'value(status.url)'
  exit 0
fi

url=$(gcloud run services describe "$service" "${where[@]}" --format 'value(status.url)')
[[ -n $url ]] || fail "Cloud Run reports no URL for $service"
# A private service needs an identity token of the deployer (who may invoke it). Service accounts (CI) ask for
# one with the service's URL as audience; user accounts cannot choose it, and Cloud Run accepts theirs as is.
auth=()
if [[ ${ALLOW_UNAUTHENTICATED:-false} != true ]]; then
  token=$(gcloud auth print-identity-token --audiences "$url" 2>/dev/null || gcloud auth print-identity-token)
  auth=(-H "Authorization: Bearer $token")
fi
deadline=$((SECONDS + ready_timeout))
until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${auth[@]}" "$url/health/ready") == 200 ]]; do
  ((SECONDS < deadline)) || fail "$url/health/ready did not answer 200 within ${ready_timeout}s"
  sleep 5
done
echo "$url"
