# openedx-workers: BullMQ workers for Open edX.
# Two stages: the build compiles TypeScript to dist/ with every dependency; the runtime has Node, the production
# dependencies and dist/ only (no TypeScript, tsx, tests or sources), and runs as the unprivileged `node` user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so the layer is cached until the lock file changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.js scripts/
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Call the CLI directly rather than through npx: no npm process between the container's init and node (SIGTERM
# reaches the worker), and no chance of npx fetching a package of the same name from the registry.
RUN chmod +x bin/openedx-workers.js \
 && ln -s /app/bin/openedx-workers.js /usr/local/bin/openedx-workers
# The app only reads /app; nothing it runs needs to write there.
USER node
ENTRYPOINT ["openedx-workers"]
CMD ["worker"]
