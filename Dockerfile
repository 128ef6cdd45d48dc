# syntax=docker/dockerfile:1.7
# The snowtrail image: one `snowtrail` CLI that runs as the operator, the injected sidecar and the
# emulator (args select which). Multi-stage: a full workspace install builds one bundled ESM file
# (scripts/build-image-bundle.ts, tested in e2e/image.test.ts); the runtime stage holds only Node,
# that file and DuckDB's native binding. Runs as uid 65532 and writes nothing outside mounted
# volumes, so it works with readOnlyRootFilesystem: true.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
WORKDIR /src
RUN npm install -g pnpm@10.34.9 >/dev/null
# Manifests first so the dependency layer is cached across source changes. Every workspace package's
# package.json must be listed (pnpm install --frozen-lockfile checks them all); a test enforces it.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY packages/audit/package.json packages/audit/
COPY packages/catalog/package.json packages/catalog/
COPY packages/cli/package.json packages/cli/
COPY packages/config/package.json packages/config/
COPY packages/devkit/package.json packages/devkit/
COPY packages/emulator/package.json packages/emulator/
COPY packages/integration/package.json packages/integration/
COPY packages/operator/package.json packages/operator/
COPY packages/policy/package.json packages/policy/
COPY packages/protocol/package.json packages/protocol/
COPY packages/recording/package.json packages/recording/
COPY packages/sidecar/package.json packages/sidecar/
COPY benchmarks/package.json benchmarks/
COPY e2e/package.json e2e/
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --reporter=silent --store-dir=/pnpm/store
COPY tsconfig.json ./
COPY packages packages
COPY scripts/build-image-bundle.ts scripts/
ARG VERSION=0.1.0
RUN node --import tsx scripts/build-image-bundle.ts --outdir /out --version "${VERSION}" \
 && cd /tmp && node /out/snowtrail.mjs --help >/dev/null

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="snowtrail" \
      org.opencontainers.image.description="Identity-aware, recording Snowflake proxy for Kubernetes pipelines" \
      org.opencontainers.image.source="https://github.com/snowtrail/snowtrail" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# No package manager caches or shell history to write to; HOME and the temp dir point at /tmp, which
# the chart and the operator mount as an emptyDir when the root filesystem is read-only.
ENV NODE_ENV=production HOME=/tmp TMPDIR=/tmp SNOWTRAIL_VERSION=${VERSION}
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn* /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && groupadd --system --gid 65532 snowtrail \
 && useradd --system --uid 65532 --gid 65532 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin snowtrail
WORKDIR /app
COPY --from=build --chown=0:0 /out/ /app/
USER 65532:65532
EXPOSE 8089 9090 9443 8080
ENTRYPOINT ["node","/app/snowtrail.mjs"]
CMD ["--help"]
