# syntax=docker/dockerfile:1
# ix-dataplane image: the dataplane alone, for Dataplanes that name it (spec.image) or the chart's
# dataplaneImage value, and for running one dataplane by hand:
#   docker build -f images/dataplane.Dockerfile -t ghcr.io/ix-operator/ix-dataplane:0.1.0 .
#   docker run --rm -p 11211:11211 ghcr.io/ix-operator/ix-dataplane:0.1.0
# The operator gives dataplane pods their arguments (run --listen 0.0.0.0 --port ... --cpus-from ...);
# the CMD below is only the default when nothing is given. The content is that of the operator
# image (one bundle); only the defaults differ.

# --- build: the esbuild bundle and the native addon (ADR 0008) ---------------------------------
FROM node:26-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json .node-version ./
# npm's scripts run through the launcher; on this image's Node 26 it runs them on that Node as it is.
COPY scripts/with-node.mjs scripts/
COPY src/ src/
COPY native/ native/
# --nodedir: the addon is built against the headers of this image's own Node (the official images
# ship them in /usr/local/include/node), the Node of the runtime stage, with nothing downloaded.
RUN npm run build && npm run build:native -- --nodedir=/usr/local

# --- prod-deps: node_modules without development dependencies ----------------------------------
FROM node:26-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ------------------------------------------------------------------------------------
FROM node:26-bookworm-slim
LABEL org.opencontainers.image.title="ix-dataplane" \
      org.opencontainers.image.description="IX dataplane: memcached-compatible, batched, run-to-completion, on elastic threads pinned to granted CPUs" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/native/build/Release/ixnative.node ./native/build/Release/ixnative.node
USER 65532:65532
# 11211: memcached protocol; 9121: /healthz /readyz /metrics /v1/load, PUT /v1/cores (spec.controlPort).
EXPOSE 11211 9121
ENTRYPOINT ["node", "dist/ixctl.mjs"]
# In a container the loopback default of `ixctl run` would be unreachable: listen on every interface.
CMD ["run", "--listen", "0.0.0.0", "--control-port", "9121"]
