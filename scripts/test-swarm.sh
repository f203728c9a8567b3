#!/usr/bin/env bash
# The Swarm deployment (deploy/swarm/), run for real on this machine (`npm run test:swarm`; .ci/run runs it after
# test:docker, as root, no TTY). Under a steady, bounded stream of POST /predict to 127.0.0.1 (through HAProxy):
#  1. a rolling update to a new image (start-first, one replica at a time),
#  2. one replica killed with SIGKILL, which Swarm replaces,
# and it proves that no request is lost: every request ends 200, either at once or after the 503 + Retry-After
# retries the client makes; no connection error, 502 or 504. And readiness keeps traffic away from a replica that
# is still loading its models: in every replica's log, its first /predict comes after the last /health/ready it
# answered 503 while loading (a watcher polls each new replica from inside its container so the loading window is
# on record; at least one replica must show it, or the check proved nothing).
# Before the stream, a short closed-loop burst measures the requests per second the replicas serve; the stream runs
# at a third of that, so it stays below capacity while one replica loads and another drains.
# Prints the numbers: requests sent, answers by status, retries, per-replica counts, update and recovery times.
# Everything it creates is removed on exit; the swarm is left if this test initialised it, and the engine stopped if
# this test started it. Environment: TEST_SWARM_REPLICAS (default 2), TEST_SWARM_PORT (default 18090),
# TEST_SWARM_RATE (requests/s of the steady stream; default a third of the measured throughput).
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$PWD
source scripts/use-node24.sh

stack=yolov5swarmtest
image=yolov5-detector:test-swarm
updated_image=yolov5-detector:test-swarm-v2
lb_image=yolov5-detector-lb:test-swarm
replicas=${TEST_SWARM_REPLICAS:-2}
port=${TEST_SWARM_PORT:-18090}
photo=$repo_root/../shared/corpus/photos/darknet_horses.jpg # 134 KB: the JSON body fits HAProxy's retry buffer
standin=$repo_root/../shared/tools/docker-standin.sh

work=$(mktemp -d /tmp/test-swarm.XXXXXX)
engine_started_here=false
swarm_initialised_here=false
load_pid=
watcher_pid=
started=$SECONDS

log() { printf '[test-swarm %4ds] %s\n' $((SECONDS - started)) "$*"; }
fail() {
  printf '[test-swarm] FAIL: %s\n' "$*" >&2
  exit 1
}

cleanup() {
  local status=$?
  set +e
  [[ -n $load_pid ]] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
  [[ -n $watcher_pid ]] && kill "$watcher_pid" 2>/dev/null
  if ((status != 0)); then
    docker service ps --no-trunc "${stack}_detector" "${stack}_lb" >&2 2>/dev/null
    echo "--- last lines of the load balancer's log ---" >&2
    docker service logs --raw --tail 30 "${stack}_lb" >&2 2>/dev/null
  fi
  docker stack rm "$stack" >/dev/null 2>&1
  # The stack's network goes once its containers are gone.
  for _ in $(seq 30); do
    [[ -z $(docker ps -aq --filter "label=com.docker.stack.namespace=$stack") ]] && ! docker network inspect "${stack}_detector" >/dev/null 2>&1 && break
    sleep 1
  done
  # The service image goes too (its layers stay as build cache): test:docker removes its own tag of the same build
  # and checks that the image is gone before pulling it back, which another tag of the same image id would defeat.
  docker rmi --no-prune "$updated_image" "$image" >/dev/null 2>&1
  if $swarm_initialised_here; then docker swarm leave --force >/dev/null 2>&1; fi
  rm -rf "$work"
  if $engine_started_here; then bash "$standin" down >/dev/null 2>&1; fi
  exit $status
}
trap cleanup EXIT

# Tasks of the detector service that are running and healthy (readiness), by container id.
ready_replicas() {
  docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_detector" --filter health=healthy | wc -l
}

wait_for_replicas() { # $1 timeout in seconds, $2 what is awaited
  local deadline=$((SECONDS + $1))
  until (($(ready_replicas) == replicas)) && [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/health/ready") == 200 ]]; do
    ((SECONDS < deadline)) || fail "$2: $(ready_replicas) of $replicas replicas ready after $1 s"
    sleep 1
  done
}

# A replica with a request in flight right now (HAProxy's statistics, scur > 0), as a container id; empty if none.
busy_replica() {
  local lb addr container
  lb=$(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_lb" | head -1)
  addr=$(docker exec "$lb" node -e '
    fetch("http://127.0.0.1:8404/stats;csv").then((r) => r.text()).then((csv) => {
      const [header, ...rows] = csv.trim().split("\n").map((line) => line.split(","));
      const col = (name) => header.indexOf(name);
      const busy = rows.find((r) => r[col("# pxname")] === "detector" && Number(r[col("scur")]) > 0 && r[col("addr")]);
      if (busy) console.log(busy[col("addr")].split(":")[0]);
    })' 2>/dev/null) || true
  [[ -n $addr ]] || return 0
  for container in $(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_detector"); do
    if [[ " $(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$container")" == *" $addr "* ]]; then
      echo "$container"
      return 0
    fi
  done
}

# The load client; started without a shell function around it, so that `$!` is its own pid (it stops on SIGINT).
load_client=(node node_modules/.bin/ts-node --transpile-only scripts/swarm/load-client.ts --url "http://127.0.0.1:$port/predict")
now_ms() { date +%s%3N; }

# Swarm's own health check runs every few seconds, so on a quiet machine a replica can load its models between two
# checks and its log never shows the loading. This watcher asks each new replica's /health/ready from inside its
# container every 100 ms until it answers 200: the replica logs every 503 (successful probes are not logged), so the
# loading window is on record for step 7. It only observes: HAProxy and Swarm route by their own checks.
watch_replica_readiness() {
  local seen=" " container
  while [[ -f $work/watching ]]; do
    for container in $(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_detector"); do
      [[ $seen == *" $container "* ]] && continue
      seen+="$container "
      docker exec "$container" node -e '
        const until = Date.now() + 120000;
        (async function poll() {
          const status = await fetch("http://127.0.0.1:8000/health/ready").then((r) => r.status, () => 0);
          if (status !== 200 && Date.now() < until) setTimeout(poll, 100);
        })();' >/dev/null 2>&1 &
    done
    sleep 0.2
  done
}

log "1. engine and swarm"
[[ -f $photo ]] || fail "missing test photo $photo (../shared/corpus beside the repository)"
if ! docker info >/dev/null 2>&1; then engine_started_here=true; fi
if $engine_started_here || ! docker image inspect node:24-slim >/dev/null 2>&1; then
  [[ -f $standin ]] || fail "no Docker engine answers and $standin is missing"
  DOCKER_STANDIN_NODE_MAJORS=${DOCKER_STANDIN_NODE_MAJORS:-24} bash "$standin" up >/dev/null
fi
if [[ $(docker info -f '{{.Swarm.LocalNodeState}}') != active ]]; then
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null || fail "docker swarm init failed"
  swarm_initialised_here=true
fi
if curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$port/"; then fail "127.0.0.1:$port is already in use (set TEST_SWARM_PORT)"; fi

log "2. images: the service, an update of it, HAProxy"
DOCKER_BUILDKIT=0 docker build --force-rm -q -t "$image" . >"$work/build.log" 2>&1 || {
  tail -30 "$work/build.log" >&2
  fail "docker build of the service failed"
}
# The rolling update's target: a different image (its own id), as a new release would be.
printf 'FROM %s\nLABEL org.opencontainers.image.version=test-swarm-update\n' "$image" |
  DOCKER_BUILDKIT=0 docker build -q -t "$updated_image" - >/dev/null || fail "building the update image failed"
DOCKER_BUILDKIT=0 docker build --force-rm -q -t "$lb_image" deploy/swarm/haproxy >"$work/build-lb.log" 2>&1 || {
  tail -30 "$work/build-lb.log" >&2
  fail "docker build of deploy/swarm/haproxy failed"
}

log "generating models: yolov5s serves the requests; yolov5m and yolov5l make each replica's loading take seconds"
mkdir -p "$work/models"
npm run --silent models:generate -- --out "$work/models" --models yolov5s,yolov5m,yolov5l >"$work/generate.log" 2>&1 || {
  cat "$work/generate.log" >&2
  fail "npm run models:generate failed"
}
chmod 755 "$work" "$work/models"
chmod 644 "$work"/models/*.onnx
node -e 'const fs = require("fs"); process.stdout.write(JSON.stringify({ model: "yolov5s", image: fs.readFileSync(process.argv[1]).toString("base64") }))' \
  "$photo" >"$work/predict.json"

log "3. docker stack deploy: $replicas replicas behind HAProxy on 127.0.0.1:$port"
touch "$work/watching"
watch_replica_readiness &
watcher_pid=$!
DETECTOR_IMAGE=$image LB_IMAGE=$lb_image MODELS_HOST_DIR=$work/models LB_PORT=$port DETECTOR_REPLICAS=$replicas \
  docker stack deploy -c deploy/swarm/stack.yml "$stack" >"$work/deploy.log" 2>&1 || {
  cat "$work/deploy.log" >&2
  fail "docker stack deploy failed"
}
deploy_started=$SECONDS
wait_for_replicas 240 "after the deploy"
log "all $replicas replicas ready after $((SECONDS - deploy_started)) s"
[[ $(docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.ReadOnly}}' "${stack}_detector") == true ]] ||
  fail "the replicas' root filesystem is not read-only"

log "4. throughput: $((2 * replicas)) requests kept in flight for 15 s"
"${load_client[@]}" --body "$work/predict.json" --closed-loop $((2 * replicas)) --max-seconds 15 --summary "$work/burst.json" >/dev/null ||
  fail "the throughput burst failed"
memory=$(docker stats --no-stream --format '{{.MemUsage}}' $(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_detector") | awk '{print $1}' | tr '\n' ' ')
capacity=$(node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const n = Number(process.argv[2]);
  console.error(`throughput: ${s.answeredPerSecond} requests/s from ${n} replicas (${(s.answeredPerSecond / n).toFixed(2)} per replica; 1 CPU limit each, ${require("os").cpus().length} cores shared with everything else on this machine), answers ${JSON.stringify(s.finalStatuses)}, p50 / p95 ${s.latencyMs.p50} / ${s.latencyMs.p95} ms`);
  if (s.finalStatuses["200"] !== s.sent) process.exit(1);
  console.log(s.answeredPerSecond);
' "$work/burst.json" "$replicas") || fail "the throughput burst lost requests"
log "memory per replica (yolov5s, yolov5m and yolov5l loaded, 1 worker): $memory"

# A third of what the replicas just served: during the update one replica is loading (taking CPU) and another
# draining, so the stream stays below capacity even then. A shared, busy machine is slower: the rate follows.
rate=${TEST_SWARM_RATE:-$(node -p "Math.max(0.3, Number((Number(process.argv[1]) / 3).toFixed(2)))" "$capacity")}
log "5. steady stream: $rate requests/s, at most 12 in flight"
"${load_client[@]}" --body "$work/predict.json" --rate "$rate" --max-in-flight 12 --max-seconds 900 \
  --attempts "$work/attempts.jsonl" --summary "$work/steady.json" >/dev/null &
load_pid=$!
sleep 8

log "rolling update to $updated_image (start-first, one replica at a time)"
update_started=$SECONDS
update_started_ms=$(now_ms)
docker service update --quiet --detach --image "$updated_image" "${stack}_detector" >"$work/update.log" 2>&1 || {
  cat "$work/update.log" >&2
  fail "docker service update failed"
}
# Swarm's own record of the update (the CLI's progress display may return before it ends).
deadline=$((SECONDS + 300))
until [[ $(docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${stack}_detector") == completed ]]; do
  state=$(docker service inspect -f '{{json .UpdateStatus}}' "${stack}_detector")
  [[ $state != *rollback* && $state != *paused* ]] || fail "the update failed: $state"
  ((SECONDS < deadline)) || fail "the update did not complete within 300 s: $state"
  sleep 1
done
update_seconds=$((SECONDS - update_started))
update_ended_ms=$(now_ms)
wait_for_replicas 60 "after the update"
running_images=$(docker ps --filter "label=com.docker.swarm.service.name=${stack}_detector" --format '{{.Image}}' | sort -u)
[[ $running_images == "$updated_image" ]] || fail "after the update the replicas run: $running_images"
log "update done in ${update_seconds} s: $replicas replicas on $updated_image"
sleep 4

# Kill a replica while it works on a request, so that HAProxy has something to re-send.
victim=
for _ in $(seq 20); do
  victim=$(busy_replica)
  [[ -z $victim ]] || break
  sleep 0.3
done
if [[ -n $victim ]]; then
  log "killing replica ${victim} (SIGKILL) while it has a request in flight"
else
  victim=$(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_detector" | head -1)
  log "killing replica ${victim} (SIGKILL); HAProxy showed no replica busy when asked"
fi
kill_started=$SECONDS
kill_started_ms=$(now_ms)
docker kill "$victim" >/dev/null
sleep 2
wait_for_replicas 120 "after the kill"
log "Swarm replaced it: $replicas replicas ready again after $((SECONDS - kill_started)) s"
recovered_ms=$(now_ms)
sleep 5

kill -INT "$load_pid"
wait "$load_pid" || fail "the load client failed"
load_pid=

log "6. what the clients saw"
node - "$work/steady.json" "$work/attempts.jsonl" "$update_started_ms" "$update_ended_ms" "$kill_started_ms" "$recovered_ms" <<'EOF' || fail "requests were lost (above)"
const fs = require('fs');
const [summaryFile, attemptsFile, ...phaseTimes] = process.argv.slice(2);
const [updateStart, updateEnd, killStart, recovered] = phaseTimes.map(Number);
const s = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
const attempts = fs.readFileSync(attemptsFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
console.log(`requests sent: ${s.sent} in ${s.seconds} s; final answers by status: ${JSON.stringify(s.finalStatuses)}`);
console.log(`attempts by status: ${JSON.stringify(s.attemptStatuses)}; retries after 503 + Retry-After: ${s.retries}; ticks skipped (12 in flight): ${s.skippedTicks}`);
console.log(`latency of the 200s (retries included) p50 / p95 / max: ${s.latencyMs.p50} / ${s.latencyMs.p95} / ${s.latencyMs.max} ms; answered by replica: ${JSON.stringify(s.servedBy)}`);
for (const a of attempts.filter((a) => a.status !== 200)) console.log(`  ${new Date(a.startedAt).toISOString()} request ${a.request} attempt ${a.attempt}: ${a.status} ${a.detail ?? ''}`.slice(0, 300));
const lost = s.sent - (s.finalStatuses['200'] ?? 0);
const unexpected = Object.keys(s.attemptStatuses).filter((status) => status !== '200' && status !== '503');
// The claim covers the disruptions only if requests were in flight through them.
const during = (from, to) => new Set(attempts.filter((a) => a.startedAt < to && a.startedAt + a.ms > from).map((a) => a.request)).size;
const duringUpdate = during(updateStart, updateEnd);
const duringKill = during(killStart, recovered);
console.log(`requests in flight during the rolling update: ${duringUpdate}; from the kill until the replacement was ready: ${duringKill}`);
if (lost > 0 || unexpected.length > 0 || duringUpdate < 5 || duringKill < 3) {
  console.error(`${lost} of ${s.sent} requests did not end in 200; attempt statuses other than 200/503: ${unexpected.join(', ') || 'none'}; in flight during the update ${duringUpdate} (at least 5 needed), during the kill ${duringKill} (at least 3)`);
  process.exit(1);
}
EOF

# HAProxy's log: the 5th of the connection counters is the number of retries ("+N" when sent to another replica).
resent=$(docker service logs --raw "${stack}_lb" 2>/dev/null | grep '"POST /predict' | awk '{split($(NF-4), c, "/"); if (c[5] != "0") n++} END {print n + 0}')
log "HAProxy re-sent $resent request(s) that a killed or closing replica never answered (invisible to the client)"

rm -f "$work/watching"
wait "$watcher_pid" 2>/dev/null || true
log "7. readiness: no replica got a request while its models were loading"
for container in $(docker ps -aq --filter "label=com.docker.swarm.service.name=${stack}_detector"); do
  docker logs "$container" >"$work/replica-$container.log" 2>&1 || true
done
node - "$work"/replica-*.log <<'EOF' || fail "a replica served a request before it was ready (above)"
const fs = require('fs');
let failed = false;
let checked = 0;
let observedLoading = 0;
for (const file of process.argv.slice(2)) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const at = (l) => Date.parse(l.time);
  const drainAt = lines.find((l) => /SIGTERM received/.test(l.msg ?? ''))?.time;
  const beforeDrain = (l) => !drainAt || at(l) < Date.parse(drainAt);
  // Only the 503s of /health/ready are in the log (successful probes are not logged).
  const startupUnready = lines.filter((l) => l.req?.url === '/health/ready' && l.res?.statusCode === 503 && beforeDrain(l));
  const predicts = lines.filter((l) => l.req?.url === '/predict');
  const name = file.replace(/.*replica-/, '').replace('.log', '').slice(0, 12);
  if (!predicts.length) { console.log(`replica ${name}: no /predict (started after the load or never chosen)`); continue; }
  checked++;
  const start = at(lines[0]);
  const lastUnready = startupUnready.length ? at(startupUnready.at(-1)) : null;
  const firstPredict = at(predicts[0]);
  const since = (t) => (t === null || t === undefined ? '-' : ((t - start) / 1000).toFixed(1));
  console.log(`replica ${name}: /health/ready answered 503 ${startupUnready.length} time(s) while loading, the last at +${since(lastUnready)} s; first /predict at +${since(firstPredict)} s; ${predicts.length} /predict served${drainAt ? ', then drained after SIGTERM' : ''}`);
  if (lastUnready === null) console.log(`  replica ${name}: its models loaded between two health checks (no 503 seen)`);
  else observedLoading++;
  if (lastUnready !== null && firstPredict <= lastUnready) { console.error(`  replica ${name}: served /predict at ${predicts[0].time} before it was ready`); failed = true; }
}
if (checked < 2) { console.error(`only ${checked} replica(s) served requests`); failed = true; }
// A replica whose models loaded between two health checks shows no 503; at least one must, or the check proved nothing.
if (observedLoading === 0) { console.error('no replica was seen unready while loading, so the readiness check proved nothing'); failed = true; }
process.exit(failed ? 1 : 0);
EOF

log "passed in $((SECONDS - started)) s: throughput $capacity requests/s from $replicas replicas, update ${update_seconds} s"
