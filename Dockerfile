# YOLOv5 detector service. Build: `docker build -t yolov5-detector .`
# (works with the legacy builder and BuildKit alike; no frontend is fetched).
#
# Build arguments:
#   NODE_IMAGE       base image of every stage (glibc is required: onnxruntime-node has no musl build)
#   BAKE_MODELS      "true" downloads official models into the image (`npm run models:fetch`);
#                    the default "false" keeps the image small and expects /app/models as a volume
#   BAKE_MODEL_NAMES which official models to bake, comma-separated, any of yolov5n,yolov5s,yolov5m,yolov5l,yolov5x
#                    (empty: the defaults yolov5s,yolov5m,yolov5l). Any other *.onnx in the mounted models
#                    folder is served too, under its file name's stem.
#   MODELS_BASE_URL  mirror to download the models from when baking (empty: the official release)
ARG NODE_IMAGE=node:24-slim

# ---- build: all dependencies, compile ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# onnxruntime-node's install script would download optional GPU files; the CPU binaries ship in the package. An npm
# with allowScripts (npm 11.19 here) skips it anyway, as package.json denies it; an older npm reads this variable.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
# npm ci's preinstall checks the Node version (the image's Node is 24; NODE_IMAGE may name another).
COPY scripts/require-node.js ./scripts/
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build

# ---- models: empty unless BAKE_MODELS=true (runs before the prune: the fetch script needs ts-node) ----
FROM build AS models
ARG BAKE_MODELS=false
ARG BAKE_MODEL_NAMES=
ARG MODELS_BASE_URL=
RUN mkdir -p /models \
 && if [ "$BAKE_MODELS" = "true" ]; then \
      MODELS_DIR=/models MODELS_BASE_URL="$MODELS_BASE_URL" npm run models:fetch -- ${BAKE_MODEL_NAMES:+--models "$BAKE_MODEL_NAMES"} \
      || { echo >&2 "BAKE_MODELS=true: downloading the models failed (MODELS_BASE_URL='${MODELS_BASE_URL:-official release}')." \
                    "Set --build-arg MODELS_BASE_URL=<mirror>, or build without BAKE_MODELS and mount the models at /app/models."; \
           exit 1; }; \
    elif [ "$BAKE_MODELS" != "false" ]; then \
      echo >&2 "BAKE_MODELS must be true or false, got '$BAKE_MODELS'"; exit 1; \
    fi

# ---- production dependencies only, native binaries for this platform only ----
FROM build AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund \
 && ort_bin=node_modules/onnxruntime-node/bin/napi-v6 \
 && find "$ort_bin" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} + \
 && find "$ort_bin/linux" -mindepth 1 -maxdepth 1 ! -name "$(node -p process.arch)" -exec rm -rf {} + \
 && test -e "$ort_bin/linux/$(node -p process.arch)/onnxruntime_binding.node"

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (which shuts down gracefully) and reaps zombies. libturbojpeg0: the
# system's TurboJPEG, which decodes upright JPEGs at about half sharp's CPU time with the same pixels.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini libturbojpeg0 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
WORKDIR /app
# MALLOC_ARENA_MAX=2: glibc otherwise gives each of the runner threads its own malloc arenas, which keep freed
# memory; measured with s/m/l loaded, 70-200 MB less resident memory at the same throughput before the service
# trimmed the heap after each model load, about 40 MB less after request bursts since (README, Benchmarks).
ENV NODE_ENV=production \
    PORT=8000 \
    MODELS_DIR=/app/models \
    MALLOC_ARENA_MAX=2
# Code and dependencies stay owned by root (read-only for the service); only the models directory is
# writable by the service user, so that MODELS_AUTO_FETCH can fill it.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY --from=models --chown=node:node /models ./models
USER node
EXPOSE 8000
# Every 5 s, so `docker ps` says healthy within seconds of start rather than after a 30 s interval (the engines here
# predate HEALTHCHECK's --start-interval). Each check is one short node process, about 1% of a core.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# The Node flags are the service's own (apps/detector/src/service-node-flags.ts says why).
CMD ["node", "--max-semi-space-size=8", "--expose-gc", "dist/apps/detector/apps/detector/src/main.js"]
