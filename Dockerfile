# openedx-workers: BullMQ workers for Open edX.
# The TypeScript sources run directly through tsx (bin/openedx-workers.js registers it),
# so installing the dependencies is the whole build; no compile step, no dist/.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so the layer is cached until the lock file changes. Dev dependencies are
# included; tsx is a regular dependency, so `--omit=dev` would also run the worker, with a smaller image.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY . .

# Call the CLI directly rather than through npx: no npm process between the container's
# init and node (SIGTERM reaches the worker), and no chance of npx fetching a package
# of the same name from the registry if the local bin were not found.
RUN chmod +x bin/openedx-workers.js \
 && ln -s /app/bin/openedx-workers.js /usr/local/bin/openedx-workers

ENV NODE_ENV=production
# The image's unprivileged user; the app only reads /app (tsx caches under /tmp).
USER node

ENTRYPOINT ["openedx-workers"]
CMD ["worker"]
