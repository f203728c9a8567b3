#!/usr/bin/env bash
# Tags a locally built image for the registry and pushes it: the version from package.json, the git SHA,
# and `latest` when asked (CI asks on main). Used by .github/workflows/ci.yml and by hand; log in first
# (`gcloud auth configure-docker HOST`, or `docker login HOST`).
#
#   scripts/push-image.sh [--dry-run] LOCAL_IMAGE
#
# Environment:
#   REGISTRY_HOST   eu.gcr.io (Container Registry) or REGION-docker.pkg.dev (Artifact Registry); required
#   GCP_PROJECT_ID  Google Cloud project; required
#   IMAGE_NAME      image name under the project (default yolov5-detector); for Artifact Registry put the
#                   repository in front: REPOSITORY/yolov5-detector
#   GIT_SHA         commit the image was built from (default: git rev-parse HEAD)
#   PUSH_LATEST     "true" also pushes :latest (default false)
#   RELEASE_TAG     git tag being released (e.g. v1.2.0); must equal "v" + the package.json version
#
# Prints one line per pushed reference: "pushed REF DIGEST".
set -euo pipefail

die() { echo "push-image: $*" >&2; exit 1; }

dry_run=false
if [[ ${1:-} == --dry-run ]]; then dry_run=true; shift; fi
[[ $# -eq 1 ]] || die "usage: $0 [--dry-run] LOCAL_IMAGE"
local_image=$1

cd "$(dirname "$0")/.."
: "${REGISTRY_HOST:?push-image: set REGISTRY_HOST (e.g. eu.gcr.io or europe-west1-docker.pkg.dev)}"
: "${GCP_PROJECT_ID:?push-image: set GCP_PROJECT_ID (the Google Cloud project)}"
image_name=${IMAGE_NAME:-yolov5-detector}
git_sha=${GIT_SHA:-$(git rev-parse HEAD)}
version=$(node -p 'require("./package.json").version')

[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || die "package.json version '$version' is not semver"
[[ $git_sha =~ ^[0-9a-f]{7,40}$ ]] || die "GIT_SHA '$git_sha' is not a git commit hash"
if [[ -n ${RELEASE_TAG:-} && $RELEASE_TAG != "v$version" ]]; then
  die "release tag $RELEASE_TAG does not match package.json version $version (expected v$version): bump the version first"
fi
case ${PUSH_LATEST:-false} in true | false) ;; *) die "PUSH_LATEST must be true or false, got '$PUSH_LATEST'" ;; esac

repository="${REGISTRY_HOST%/}/$GCP_PROJECT_ID/$image_name"
tags=("${version//+/_}" "$git_sha") # Docker tags may not contain '+' (semver build metadata)
if [[ ${PUSH_LATEST:-false} == true ]]; then tags+=(latest); fi

run() {
  if $dry_run; then echo "+ $*" >&2; else "$@"; fi
}

if ! $dry_run; then
  docker image inspect "$local_image" >/dev/null 2>&1 || die "no local image '$local_image' (build it first)"
fi
for tag in "${tags[@]}"; do
  ref="$repository:$tag"
  run docker tag "$local_image" "$ref"
  run docker push --quiet "$ref" >&2
  if $dry_run; then
    echo "pushed $ref (dry run)"
  else
    # RepoDigests holds repository@sha256:... for each registry the image was pushed to.
    digest=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" | grep -m1 "^$repository@" | cut -d@ -f2)
    [[ -n $digest ]] || die "pushed $ref but the registry returned no digest"
    echo "pushed $ref $digest"
  fi
done
