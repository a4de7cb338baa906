# The Multiverse server as a container image: the production bundle (`npm run build`), the
# built admin console, the SQL migrations and the server's production dependencies, run by an
# unprivileged user. docs/operations.md, "Container image", says how to build and run it.
#
#   docker build -t multiverse .
#   docker build --build-arg BASE_IMAGE=my-registry/node:20 -t multiverse .
#
# BASE_IMAGE must be a Debian-based Node 20 image with npm and a `node` user (uid 1000), as the
# official one is; scripts/container/build-base-image.sh makes one where Docker Hub is out of reach.
ARG BASE_IMAGE=node:20-bookworm-slim

# The workspaces' manifests and the lockfile: what both installs below start from (and the
# layer they are cached by, so a change to the sources alone installs nothing again).
FROM ${BASE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY sdk/package.json sdk/
COPY admin/package.json admin/

# Everything installed (dev dependencies too): generates the Prisma client, builds the console
# and bundles the server.
FROM manifests AS build
# The install's own scripts (generate, console build) run below, once the sources are here.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run prisma:generate && npm run build -w admin && npm run build

# The server's production dependencies only: no dev dependencies, and no optional ones
# (@prisma/client's optional peers would bring the Prisma CLI, its Studio and TypeScript along;
# the server needs none: its tests run without them in embedded and production mode).
FROM manifests AS deps
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev --omit=optional --workspace server --include-workspace-root=false \
  && npm cache clean --force

FROM ${BASE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY --from=deps /app ./
# What the bundle reads at run time, found from server/dist/ (server/src/repository.ts).
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/admin/dist admin/dist
COPY --from=build /app/prisma/migrations prisma/migrations
USER node
EXPOSE 4000
# Ready: Postgres and the bus answer (`/readyz`). Node's fetch, since the image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is the container's first process, so `docker stop`'s SIGTERM reaches the
# server itself (it drains and exits 0; see docs/operations.md, "Shutdown"), with no shell or
# npm in between. `node server/dist/migrate.js` instead applies the migrations and exits.
CMD ["node", "--enable-source-maps", "server/dist/main.js"]
