#!/usr/bin/env bash
# The quick start, end to end, for all three job families: bring up MariaDB, Redis and S3, migrate a fresh demo
# database with the LMS schema, then (1) purge a few legacy PDF certificates (one refused for a hostile link),
# (2) generate certificates for a demo course (one learner's account deleted meanwhile: a failed generation task),
# (3) retire three learners (one ends ERRORED on a hostile PDF link), each through its queue and a worker, and show
# the results. It ends with console data (a date override, a stored purge dry run), the command that opens the
# operations console on the demo data, and the credentials of a demo admin and a read-only staff user.
# Safe to re-run: the demo database, queue prefix and bucket are its own and are recreated each time
# (DEMO_DATABASE / DEMO_PREFIX override their names).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Services"
env_lines=$(scripts/services.sh --print-env)
eval "$env_lines"
DEMO_DATABASE=${DEMO_DATABASE:-openedx_workers_demo}
export DATABASE_URL="mysql://root@127.0.0.1:3306/${DEMO_DATABASE}"
export QUEUE_PREFIX="${DEMO_PREFIX:-openedx-workers-demo}"
export CERTIFICATES_BUCKET="${DEMO_PREFIX:-openedx-workers-demo}"
export CERTIFICATES_DOWNLOAD_URL_BASES="https://${CERTIFICATES_BUCKET}.s3.amazonaws.com"
export LOG_FORMAT=pretty
cli() { node bin/openedx-workers.js "$@"; }

step "Fresh demo database and queues"
mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS \`${DEMO_DATABASE}\`"
redis-cli -h 127.0.0.1 --scan --pattern "${QUEUE_PREFIX}:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null
cli migrate --with-lms-schema

step "1. PDF certificate purge: seed demo data"
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

demo() { npx --no-install tsx scripts/demo-families.ts "$@"; }
DEMO_COURSE="course-v1:DemoX+Gen301+2026"

step "2. Certificate generation: a demo course run with four enrolled learners (three passing, one failing)"
demo seed-generation
cli generate-certificates --course-key "$DEMO_COURSE" --all-enrolled
echo "One learner's account is deleted before the worker runs: that learner's generation fails for good (a failed task)."
demo delete-graduate
cli worker --queues certificate-generation --until-idle

step "3. Learner retirement: three learners (the third holds a PDF certificate with a hostile link)"
cat <<'NOTE'
No HTTP services (forums, notes, ecommerce, ...) are configured in this demo, so retirement runs an explicit
database-only pipeline: lock the account, unenroll, retire the LMS account (RETIREMENT_PIPELINE below). With the
services configured, the default pipeline also calls them (see docs/retirement-setup.md).
NOTE
export RETIREMENT_PIPELINE='[["LOCKING_ACCOUNT","LOCKING_COMPLETE","LMS","lock_account"],["RETIRING_ENROLLMENTS","ENROLLMENTS_COMPLETE","LMS","unenroll"],["RETIRING_LMS","LMS_COMPLETE","LMS","retire_lms"]]'
export RETIRED_USER_SALTS="demo-only-salt-$(date +%s)"
echo "RETIREMENT_PIPELINE=$RETIREMENT_PIPELINE"
leavers=$(demo seed-retirement)
cli populate-retirement-states
cli request-retirement --user-ids "$leavers"
cli retire-learners --cool-off-days 0
cli worker --queues learner-retirement --until-idle

step "Queue counts, all families"
cli queues

step "Result: certificates generated for the passing learners; two learners retired (COMPLETE, PII replaced), the third ERRORED"
demo report

step "Operations console: users, a date override, a stored purge dry run"
admin_id=$(demo seed-console)
echo
certificate_id=$(mariadb -h 127.0.0.1 -u root -N -e "SELECT MIN(id) FROM \`${DEMO_DATABASE}\`.certificates_generatedcertificate WHERE course_id = '${DEMO_COURSE}' AND status = 'downloadable'")
cli certificate-date-override --certificate-id "$certificate_id" --acting-user-id "$admin_id" --date 2026-06-30 --reason "Demo: the ceremony date"
cat <<CONSOLE

Open the console on the demo data (home page at /, bull-board at /queues, /metrics, /readyz), then sign in at
http://127.0.0.1:8080/login as  demo_admin / demo-admin-password    (admin: a superuser of this demo database only)
                             or demo_viewer / demo-viewer-password  (read-only staff: sees everything, changes nothing)

  DATABASE_URL=$DATABASE_URL QUEUE_PREFIX=$QUEUE_PREFIX CERTIFICATES_BUCKET=$CERTIFICATES_BUCKET CERTIFICATES_DOWNLOAD_URL_BASES=$CERTIFICATES_DOWNLOAD_URL_BASES \\
  S3_ENDPOINT=$S3_ENDPOINT S3_FORCE_PATH_STYLE=true AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \\
  OPENEDX_WORKERS_DEVELOPMENT_MODE=true NODE_OPTIONS=--max-semi-space-size=1 node bin/openedx-workers.js console --port 8080
CONSOLE
