#!/usr/bin/env bash
# The quick start, end to end: bring up MariaDB, Redis and S3, migrate a fresh demo database with the LMS schema,
# seed a few legacy PDF certificates with their files, then purge them through the queue and show the result.
# Safe to re-run: the demo database, queue prefix and bucket are its own and are recreated each time.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Services"
env_lines=$(scripts/services.sh --print-env)
eval "$env_lines"
export DATABASE_URL="mysql://root@127.0.0.1:3306/openedx_workers_demo"
export QUEUE_PREFIX="openedx-workers-demo"
export CERTIFICATES_BUCKET="openedx-workers-demo"
export CERTIFICATES_DOWNLOAD_URL_BASES="https://${CERTIFICATES_BUCKET}.s3.amazonaws.com"
export LOG_FORMAT=pretty
cli() { node bin/openedx-workers.js "$@"; }

step "Fresh demo database and queues"
mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS openedx_workers_demo"
redis-cli -h 127.0.0.1 --scan --pattern "${QUEUE_PREFIX}:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null
cli migrate --with-lms-schema

step "Seed demo data"
npx --no-install tsx scripts/demo-data.ts seed

step "Dry run: what the purge would delete (the hostile link is refused)"
cli purge-pdf-certificates --all --dry-run || true

step "Enqueue the purge of every PDF certificate"
cli purge-pdf-certificates --all

step "Run a worker until the queue is idle"
cli worker --queues certificate-purge --until-idle

step "Queue counts"
cli queues --queues certificate-purge

step "Result: links blanked, the 4 files of each purged certificate gone, neighbours and the refused one kept"
npx --no-install tsx scripts/demo-data.ts report
