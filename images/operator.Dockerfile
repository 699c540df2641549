# syntax=docker/dockerfile:1
# ix-operator image: the operator, the node agent, and (unless a Dataplane or the chart's
# dataplaneImage names another) the dataplane pods. One bundle, dist/ixctl.mjs (ADR 0002), runs all
# three; the chart's Deployment and DaemonSet give the command, dataplane pods only the arguments.
#   docker build -f images/operator.Dockerfile -t ghcr.io/ix-operator/ix-operator:0.1.0 .

# --- build: the esbuild bundle and the native addon (ADR 0008) ---------------------------------
FROM node:26-bookworm-slim AS build
# node-gyp compiles native/ixnative.c: python3, make and a compiler, only in this stage.
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
LABEL org.opencontainers.image.title="ix-operator" \
      org.opencontainers.image.description="IX's control plane as a Kubernetes operator: operator, node agent and dataplane" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
# ethtool: the node agent sets a VF's channel count to its pod's threads (ADR 0013); nsenter, which
# it runs ethtool under for a VF inside a pod's network namespace, comes with util-linux.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ethtool \
 && rm -rf /var/lib/apt/lists/*
# /app is the chart's workingDir. package.json marks the root: the bundle finds the addon from it
# (src/lib/paths.ts repoRoot, src/dataplane/native.ts NATIVE_PATH).
WORKDIR /app
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/native/build/Release/ixnative.node ./native/build/Release/ixnative.node
# The uid of the chart's and the dataplane pods' securityContext; no name needed, owns no file.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "dist/ixctl.mjs"]
CMD ["operator"]
