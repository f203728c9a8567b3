#!/usr/bin/env bash
# The container delivery, end to end, on this machine (`npm run test:docker`; run by .ci/run, as root, no TTY):
#  1. a Docker engine (../shared/tools/docker-standin.sh up: Debian's engine + local node:24-slim stand-in)
#  2. docker build of the project's Dockerfile (legacy builder); prints image size and build time
#  3. docker run with generated models mounted: readiness, /models, /predict (JSON and multipart),
#     the image's HEALTHCHECK, non-root processes, SIGTERM → exit 0 within the grace period
#  4. the same through docker-compose.yml (`docker-compose up -d` / `stop` / `down`), limits applied
#  5. scripts/push-image.sh to a local registry (Debian's docker-registry on 127.0.0.1:5000), pulled back,
#     digests and tags checked
#  6. BAKE_MODELS=true from a local mirror: the image serves without a volume; an unreachable mirror fails
#     the build with a clear message
# Everything it starts is removed on exit (the engine is stopped if it was not running before; its images stay). Environment knobs: TEST_DOCKER_MODELS (models to generate,
# default yolov5s), TEST_DOCKER_PORT (default 18080), TEST_DOCKER_REGISTRY_PORT (default 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$PWD
source scripts/use-node24.sh

image=yolov5-detector:test-docker
container=yolov5-detector-test-docker
baked_image=yolov5-detector:test-docker-baked
baked_container=yolov5-detector-test-docker-baked
compose_project=yolov5detectortest
models=${TEST_DOCKER_MODELS:-yolov5s}
first_model=${models%%,*}
port=${TEST_DOCKER_PORT:-18080}
compose_port=$((port + 1))
registry_port=${TEST_DOCKER_REGISTRY_PORT:-5000}
grace_seconds=30 # docker stop's grace period here; the app must exit well before it
ready_timeout=${TEST_DOCKER_READY_TIMEOUT:-240}
photo=$repo_root/../shared/corpus/photos/bus.jpg
standin=$repo_root/../shared/tools/docker-standin.sh

work=$(mktemp -d /tmp/test-docker.XXXXXX)
registry_pid=
mirror_pid=
engine_started_here=false
started=$SECONDS

log() { printf '[test-docker %4ds] %s\n' $((SECONDS - started)) "$*"; }
fail() {
  printf '[test-docker] FAIL: %s\n' "$*" >&2
  exit 1
}

compose() {
  COMPOSE_PROJECT_NAME=$compose_project DETECTOR_IMAGE=$image MODELS_HOST_DIR=$work/models \
    DETECTOR_PUBLISH=127.0.0.1:$compose_port MODELS_AUTO_FETCH=false \
    docker-compose -f "$repo_root/docker-compose.yml" "$@"
}

cleanup() {
  local status=$?
  set +e
  if ((status != 0)); then
    for name in "$container" "$baked_container" $(compose ps -q 2>/dev/null); do
      docker inspect "$name" >/dev/null 2>&1 || continue
      echo "--- last log lines of container $name ---" >&2
      docker logs --tail 40 "$name" >&2
    done
  fi
  docker rm -f "$container" "$baked_container" >/dev/null 2>&1
  docker rmi "$baked_image" >/dev/null 2>&1
  compose down --timeout 5 >/dev/null 2>&1
  for pid in $registry_pid $mirror_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  docker image ls --format '{{.Repository}}:{{.Tag}}' "127.0.0.1:$registry_port/test-docker/*" 2>/dev/null |
    xargs -r docker rmi >/dev/null 2>&1
  rm -rf "$work"
  if $engine_started_here; then bash "$standin" down >/dev/null 2>&1; fi
  exit $status
}
trap cleanup EXIT

# $1 URL, $2 seconds: waits for HTTP 200, failing early if the named container ($3) stops.
wait_for_ok() {
  local url=$1 timeout=$2 name=$3 deadline=$((SECONDS + $2))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url") == 200 ]]; do
    [[ $(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null) == true ]] || fail "$name stopped before $url answered 200"
    ((SECONDS < deadline)) || fail "$url did not answer 200 within ${timeout}s (last answer: $(curl -s --max-time 5 "$url"))"
    sleep 1
  done
}

# $1 expected HTTP status, then curl arguments; prints the body.
http() {
  local expected=$1 status
  shift
  status=$(curl -s -o "$work/body" -w '%{http_code}' --max-time 120 "$@") || fail "curl $* failed"
  [[ $status == "$expected" ]] || fail "curl $* answered $status, expected $expected: $(head -c 500 "$work/body")"
  cat "$work/body"
}

# Asserts a /predict answer: the seed's Result fields, for the model asked for. $1 body, $2 label.
check_prediction() {
  node -e '
    const [body, model, label] = process.argv.slice(1);
    const result = JSON.parse(body);
    const problems = [];
    if (!Array.isArray(result.detections)) problems.push("detections is not an array");
    if (typeof result.time !== "number" || !(result.time > 0)) problems.push("time is not a positive number");
    if (result.model !== model) problems.push(`model is ${result.model}`);
    if (result.image?.width !== 810 || result.image?.height !== 1080) problems.push(`image size ${JSON.stringify(result.image)}`);
    if (problems.length) { console.error(`${label}: ${problems.join("; ")}`); process.exit(1); }
    console.log(`${label}: 200, ${result.detections.length} detections, inference ${result.time} s`);
  ' "$1" "$first_model" "$2" || fail "unexpected /predict answer ($2)"
}

# The checks shared by `docker run` and compose: $1 base URL, $2 container name.
check_service() {
  local base=$1 name=$2 body
  body=$(http 200 "$base/health")
  [[ $body == '"HEALTH OK"' ]] || fail "/health answered $body"
  body=$(http 200 "$base/models")
  node -e 'const names = JSON.parse(process.argv[1]); if (!["yolov5s", "yolov5m", "yolov5l"].every((n) => names.includes(n))) process.exit(1)' "$body" ||
    fail "/models answered $body"
  body=$(http 200 -H 'Content-Type: application/json' --data-binary "@$work/predict.json" "$base/predict")
  check_prediction "$body" "POST /predict JSON"
  body=$(http 200 -F "image=@$photo;type=image/jpeg" -F "model=$first_model" "$base/predict")
  check_prediction "$body" "POST /predict multipart"
  # Every process of the container (tini and node) runs as the image's user, never root.
  local uids
  uids=$(docker top "$name" -eo pid,uid,comm | awk 'NR > 1 {print $2 "(" $3 ")"}' | tr '\n' ' ')
  [[ -n $uids && ! $uids =~ (^|[[:space:]])0\( ]] || fail "a process of $name runs as root: $uids"
  log "processes and their uids: $uids"
}

# Waits until Docker reports the container's own health check (HEALTHCHECK or compose's) as healthy.
wait_for_healthy() { # $1 container, $2 timeout in seconds, $3 what is checked (for the messages)
  local deadline=$((SECONDS + $2))
  until [[ $(docker inspect -f '{{.State.Health.Status}}' "$1") == healthy ]]; do
    ((SECONDS < deadline)) || fail "$3 did not report healthy: $(docker inspect -f '{{json .State.Health}}' "$1")"
    sleep 1
  done
  log "$3: healthy"
}

# SIGTERM via docker stop; the service must exit 0 before the grace period ends (SIGKILL would give 137).
# $1 container, then the stop command.
check_graceful_stop() {
  local name=$1 t0 elapsed code
  shift
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 || fail "$* failed"
  elapsed=$((($(date +%s%N) - t0) / 1000000))
  code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
  [[ $code == 0 ]] || fail "$name exited with $code after SIGTERM (137 = killed at the end of the grace period)"
  ((elapsed < grace_seconds * 1000)) || fail "$name took ${elapsed} ms to stop (grace ${grace_seconds}s)"
  log "SIGTERM: $name exited 0 after ${elapsed} ms"
}

log "1. engine"
[[ -f $photo ]] || fail "missing test photo $photo (../shared/corpus beside the repository)"
if ! docker info >/dev/null 2>&1; then engine_started_here=true; fi
if $engine_started_here || ! docker image inspect node:24-slim >/dev/null 2>&1; then
  [[ -f $standin ]] || fail "no Docker engine answers and $standin is missing"
  DOCKER_STANDIN_NODE_MAJORS=${DOCKER_STANDIN_NODE_MAJORS:-24} bash "$standin" up
fi
docker info >/dev/null 2>&1 || fail "the Docker engine does not answer"
command -v docker-compose >/dev/null || fail "docker-compose is not installed (apt-get install docker-compose)"

log "2. build"
build_started=$SECONDS
DOCKER_BUILDKIT=0 docker build --force-rm -t "$image" . >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2
  fail "docker build failed (log above)"
}
build_seconds=$((SECONDS - build_started))
image_bytes=$(docker image inspect -f '{{.Size}}' "$image")
image_mb=$((image_bytes / 1000000))
log "built $image in ${build_seconds}s: $image_mb MB ($(docker image inspect -f '{{.Size}}' node:24-slim | awk '{printf "%d", $1 / 1000000}') MB of it the node:24-slim base)"
[[ $(docker image inspect -f '{{.Config.User}}' "$image") == node ]] || fail "the image's USER is not node"

log "generating models ($models) and the request body"
mkdir -p "$work/models"
npm run --silent models:generate -- --out "$work/models" --models "$models" >"$work/generate.log" 2>&1 || {
  cat "$work/generate.log" >&2
  fail "npm run models:generate failed"
}
# The service runs as uid 1000 in the container: the mounted files must be readable by it.
chmod 755 "$work" "$work/models"
chmod 644 "$work"/models/*.onnx
node -e 'const fs = require("fs"); process.stdout.write(JSON.stringify({ model: process.argv[2], image: fs.readFileSync(process.argv[1]).toString("base64") }))' \
  "$photo" "$first_model" >"$work/predict.json"

log "3. docker run"
# The image's own HEALTHCHECK, interval included: it must report healthy within seconds of readiness.
docker run -d --name "$container" -p "127.0.0.1:$port:8000" -v "$work/models:/app/models:ro" \
  -e MODELS_AUTO_FETCH=false "$image" >/dev/null
run_started=$SECONDS
wait_for_ok "http://127.0.0.1:$port/health/ready" "$ready_timeout" "$container"
log "ready after $((SECONDS - run_started))s"
[[ $(docker logs "$container" 2>&1) == *'JPEG decoding: TurboJPEG'* ]] || fail "the image decodes JPEGs without TurboJPEG (libturbojpeg0 missing?)"
# The image's TurboJPEG (Debian's) decodes the photos to the very bytes its sharp (libvips' own decoder) gives.
for jpeg in "$photo" "$(dirname "$photo")/zidane.jpg"; do
  docker exec -i "$container" node -e '
    const { decodeImage } = require("/app/dist/apps/detector/libs/vision/src/image-decoder.js");
    const sharp = require("sharp");
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk)).on("end", async () => {
      const bytes = Buffer.concat(chunks);
      const ours = await decodeImage(bytes, { channels: 3 });
      const theirs = await sharp(bytes, { autoOrient: true, ignoreIcc: true, failOn: "error" }).removeAlpha().raw().toBuffer();
      if (ours.decoder !== "turbojpeg" || !theirs.equals(Buffer.from(ours.data))) process.exit(1);
    });' <"$jpeg" || fail "TurboJPEG in the image does not decode $(basename "$jpeg") as sharp does"
done
log "TurboJPEG decodes bus.jpg and zidane.jpg as sharp does, inside the image"
check_service "http://127.0.0.1:$port" "$container"
wait_for_healthy "$container" 10 "the image's HEALTHCHECK"
log "healthy $((SECONDS - run_started))s after docker run"
check_graceful_stop "$container" docker stop -t "$grace_seconds" "$container"
docker rm "$container" >/dev/null

log "4. docker-compose"
compose config -q || fail "docker-compose.yml is not valid for docker-compose $(docker-compose version --short)"
if docker compose version >/dev/null 2>&1; then
  docker compose -f docker-compose.yml config -q || fail "docker-compose.yml is not valid for docker compose v2"
fi
compose up -d --no-build >"$work/compose.log" 2>&1 || {
  cat "$work/compose.log" >&2
  fail "docker-compose up failed"
}
compose_container=$(compose ps -q detector)
[[ -n $compose_container ]] || fail "docker-compose started no detector container"
limits=$(docker inspect -f '{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}' "$compose_container")
[[ $limits == "2000000000 3221225472 unless-stopped" ]] || fail "compose limits/restart not applied: $limits"
log "compose: cpus 2, memory 3 GiB, restart unless-stopped applied"
wait_for_ok "http://127.0.0.1:$compose_port/health/ready" "$ready_timeout" "$compose_container"
check_service "http://127.0.0.1:$compose_port" "$compose_container"
wait_for_healthy "$compose_container" 60 "compose's readiness healthcheck (/health/ready)"
check_graceful_stop "$compose_container" compose stop
compose down >/dev/null 2>&1 || fail "docker-compose down failed"
[[ -z $(docker ps -aq --filter "label=com.docker.compose.project=$compose_project") ]] || fail "docker-compose down left containers behind"

log "5. push to a local registry"
if ! command -v docker-registry >/dev/null; then
  apt-get install -y -q docker-registry >"$work/apt.log" 2>&1 ||
    { apt-get update -q >>"$work/apt.log" 2>&1 && apt-get install -y -q docker-registry >>"$work/apt.log" 2>&1; } || {
    cat "$work/apt.log" >&2
    fail "could not install Debian's docker-registry"
  }
fi
if curl -s --max-time 2 "http://127.0.0.1:$registry_port/" >/dev/null; then
  fail "127.0.0.1:$registry_port is already in use (set TEST_DOCKER_REGISTRY_PORT)"
fi
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$registry_port
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
deadline=$((SECONDS + 20))
until curl -sf --max-time 2 "http://127.0.0.1:$registry_port/v2/" >/dev/null; do
  kill -0 "$registry_pid" 2>/dev/null || { cat "$work/registry.log" >&2; fail "docker-registry exited"; }
  ((SECONDS < deadline)) || fail "docker-registry did not answer on 127.0.0.1:$registry_port within 20s"
  sleep 0.5
done
REGISTRY_HOST=127.0.0.1:$registry_port GCP_PROJECT_ID=test-docker PUSH_LATEST=true \
  scripts/push-image.sh "$image" >"$work/pushed.txt" 2>"$work/push.log" || {
  cat "$work/push.log" >&2
  fail "scripts/push-image.sh failed"
}
cat "$work/pushed.txt"
version=$(node -p 'require("./package.json").version')
repository=127.0.0.1:$registry_port/test-docker/yolov5-detector
expected_tags="$version $(git rev-parse HEAD) latest"
pushed_tags=$(awk '{sub(/.*:/, "", $2); print $2}' "$work/pushed.txt" | tr '\n' ' ')
[[ $pushed_tags == "$expected_tags " ]] || fail "push-image.sh pushed tags '$pushed_tags', expected '$expected_tags'"
registry_tags=$(curl -sf "http://127.0.0.1:$registry_port/v2/test-docker/yolov5-detector/tags/list" |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).tags.sort().join(" ")))')
[[ $registry_tags == "$(tr ' ' '\n' <<<"$expected_tags" | sort | tr '\n' ' ' | sed 's/ $//')" ]] ||
  fail "the registry lists tags '$registry_tags', expected '$expected_tags'"
image_id=$(docker image inspect -f '{{.Id}}' "$image")
# Remove the image itself (keeping its parent layers, the build cache), so the pulls really fetch it.
mapfile -t pushed_refs < <(cut -d' ' -f2 "$work/pushed.txt")
docker rmi --no-prune "$image" "${pushed_refs[@]}" >/dev/null
! docker image inspect "$image_id" >/dev/null 2>&1 || fail "could not remove $image before pulling it back"
while read -r _ ref digest; do
  docker pull -q "$ref" >/dev/null || fail "docker pull $ref failed"
  pulled_digest=$(docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" | grep -m1 "^$repository@" | cut -d@ -f2)
  [[ $pulled_digest == "$digest" ]] || fail "$ref pulled with digest $pulled_digest, pushed $digest"
  [[ $(docker image inspect -f '{{.Id}}' "$ref") == "$image_id" ]] || fail "$ref pulled back as a different image"
  registry_digest=$(curl -sfI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://127.0.0.1:$registry_port/v2/test-docker/yolov5-detector/manifests/${ref##*:}" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')
  [[ $registry_digest == "$digest" ]] || fail "the registry serves $ref as $registry_digest, pushed $digest"
done <"$work/pushed.txt"
log "pushed and pulled back $repository:{${expected_tags// /,}}, one digest $(cut -d' ' -f3 "$work/pushed.txt" | sort -u)"

log "6. models baked in at build time (BAKE_MODELS=true from a local mirror)"
mirror_port=$((port + 2))
# A path unique to this run, so the builder's cache (keyed on the build arguments) cannot skip the download.
mirror_url=http://127.0.0.1:$mirror_port/$(basename "$work")
mkdir "$work/mirror" && ln -s ../models "$work/mirror/$(basename "$work")"
# HTTP/1.1 with keep-alive, as real mirrors serve. (Node 24's fetch can crash with an uncatchable
# `assert(!this.paused)` when a server closes the connection right after a body it has not read yet:
# nodejs/undici#5360; python's default HTTP/1.0 server does that.)
(cd "$work/mirror" && exec python3 -c '
import http.server, sys
http.server.SimpleHTTPRequestHandler.protocol_version = "HTTP/1.1"
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
' "$mirror_port") >"$work/mirror.log" 2>&1 &
mirror_pid=$!
deadline=$((SECONDS + 20))
until curl -sf --max-time 2 -o /dev/null "$mirror_url/$first_model.onnx"; do
  ((SECONDS < deadline)) || fail "the local model mirror did not start on 127.0.0.1:$mirror_port"
  sleep 0.5
done
bake() { # $1 base URL; the rest: docker build arguments
  local base_url=$1
  shift
  DOCKER_BUILDKIT=0 docker build --force-rm --network host --build-arg BAKE_MODELS=true --build-arg "BAKE_MODEL_NAMES=$models" \
    --build-arg "MODELS_BASE_URL=$base_url" "$@" . >"$work/bake.log" 2>&1
}
bake "$mirror_url" -t "$baked_image" || {
  tail -30 "$work/bake.log" >&2
  fail "docker build with BAKE_MODELS=true failed"
}
log "baked image: $(($(docker image inspect -f '{{.Size}}' "$baked_image") / 1000000)) MB"
docker run -d --name "$baked_container" -p "127.0.0.1:$port:8000" -e MODELS_AUTO_FETCH=false "$baked_image" >/dev/null
wait_for_ok "http://127.0.0.1:$port/health/ready" "$ready_timeout" "$baked_container"
body=$(http 200 "http://127.0.0.1:$port/models/$first_model")
node -e 'const state = JSON.parse(process.argv[1]); if (!state.loaded || state.file !== `${process.argv[2]}.onnx`) process.exit(1)' "$body" "$first_model" ||
  fail "the baked image did not load $first_model: $body"
# Clients see the file name only; where it was found is in the log.
docker logs "$baked_container" >"$work/baked.log" 2>&1
grep -q "/app/models/$first_model.onnx" "$work/baked.log" ||
  fail "the baked image's log does not say it found $first_model in /app/models"
body=$(http 200 -H 'Content-Type: application/json' --data-binary "@$work/predict.json" "http://127.0.0.1:$port/predict")
check_prediction "$body" "baked image: POST /predict JSON"
docker rm -f "$baked_container" >/dev/null
kill "$mirror_pid" && wait "$mirror_pid" 2>/dev/null || true
mirror_pid=
# A failed download must fail the build, saying why.
if bake "$mirror_url/gone"; then fail "BAKE_MODELS=true built although the mirror was down"; fi
grep -q 'BAKE_MODELS=true: downloading the models failed' "$work/bake.log" || {
  tail -20 "$work/bake.log" >&2
  fail "a failed model download did not fail the build with the expected message"
}
log "BAKE_MODELS=true with an unreachable mirror fails the build with a clear message"

log "passed in $((SECONDS - started))s: image $image_mb MB, build ${build_seconds}s"
