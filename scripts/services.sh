#!/usr/bin/env bash
# Make MariaDB/MySQL, Redis and an S3-compatible server (one-node Ceph RGW) reachable on
# 127.0.0.1 for development and CI, without systemd or Docker. Only what is not already
# answering is started (and, on Debian, installed with apt-get), so a re-run is fast and a
# no-op. Operators with Docker should use docker-compose.yml instead.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/services.sh [--print-env] [--stop-s3] [--with-chromium] [--help]

Ensures these are reachable on loopback, starting (and on Debian installing) what is missing:
  MariaDB  127.0.0.1:3306   root, empty password, over TCP; database "edxapp" created
  Redis    127.0.0.1:6379
  S3       127.0.0.1:$S3_PORT  one-node Ceph RGW (memstore: objects live in RAM only)

When an S3 server already answers on $S3_PORT, the configured keys are checked with a real
signed request: it is used if it accepts them; otherwise the script names S3's error code and
the variables to set, and exits 2. It never assumes.

Options:
  --print-env  progress goes to stderr; stdout gets only `export VAR=...` lines, so
               eval "$(scripts/services.sh --print-env)"  sets up the current shell
               (eval hides a failure; in scripts use: out=$(scripts/services.sh --print-env) && eval "$out")
  --stop-s3    stop the Ceph daemons this script started with this CEPH_DIR (and ports)
  --with-chromium  also install Debian's chromium when /usr/bin/chromium is missing (the browser tests)
  --help       this text

Environment (defaults):
  S3_PORT=7480                              RGW port
  CEPH_MON_PORT=6789                        Ceph monitor port
  CEPH_DIR=/tmp/openedx-workers-ceph        Ceph state, pid files and logs (log/); with other
                                            ports /tmp/openedx-workers-ceph-$S3_PORT-$CEPH_MON_PORT,
                                            so a second Ceph never touches the first one
  S3_ACCESS_KEY=openedx-workers             RGW user's access key
  S3_SECRET_KEY=openedx-workers-secret      RGW user's secret key
  SERVICES_LOG_DIR=/tmp/openedx-workers-services   logs of apt-get, mariadbd, redis-server

Needs root to install packages or to start mariadbd, and curl 7.75+ (--aws-sigv4; installed if
missing) to check S3 keys. Measured here (2 cores): installing Ceph and starting it ~35 s,
starting it ~15-35 s, a re-run with everything up ~0.3 s.

Exit codes: 0 ready, 1 a service could not be started, 2 bad usage or an S3 that refuses the keys.
EOF
}

S3_PORT=${S3_PORT:-7480}
CEPH_MON_PORT=${CEPH_MON_PORT:-6789}
# One state dir per port pair: starting a Ceph on other ports must never stop or wipe the default one.
if [[ $S3_PORT == 7480 && $CEPH_MON_PORT == 6789 ]]; then
  CEPH_DIR=${CEPH_DIR:-/tmp/openedx-workers-ceph}
else
  CEPH_DIR=${CEPH_DIR:-/tmp/openedx-workers-ceph-$S3_PORT-$CEPH_MON_PORT}
fi
CEPH_DIR=${CEPH_DIR%/}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-openedx-workers}
S3_SECRET_KEY=${S3_SECRET_KEY:-openedx-workers-secret}
S3_USER=openedx-workers                 # RGW uid that owns the key pair
LOG_DIR=${SERVICES_LOG_DIR:-/tmp/openedx-workers-services}
DB_NAME=edxapp

# Upper bounds for every wait (seconds); a timeout names the service and its log.
MARIADB_TIMEOUT=60
REDIS_TIMEOUT=15
CEPH_MON_TIMEOUT=60
CEPH_OSD_TIMEOUT=90
CEPH_RGW_TIMEOUT=180

PRINT_ENV=0
STOP_S3=0
WITH_CHROMIUM=0
for arg in "$@"; do
  case $arg in
    --print-env) PRINT_ENV=1 ;;
    --stop-s3) STOP_S3=1 ;;
    --with-chromium) WITH_CHROMIUM=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "services.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
  esac
done

# ---------------------------------------------------------------- helpers

log() { echo "$*"; }   # stdout; main runs with stdout sent to stderr under --print-env

# Set while start_ceph runs: a failed start stops the daemons it began, so no half cluster is left behind.
STARTING_CEPH=0

die() {
  local msg=$1 logf=${2:-} status=${3:-1}
  echo "services.sh: ERROR: $msg" >&2
  if [[ -n $logf && -s $logf ]]; then
    echo "---- last lines of $logf ----" >&2
    tail -n 20 "$logf" >&2 || true
  fi
  if ((STARTING_CEPH)); then STARTING_CEPH=0; stop_ceph >&2; fi
  exit "$status"
}

# wait_for SECONDS SERVICE LOGFILE CMD...: poll CMD until it succeeds, at most SECONDS.
wait_for() {
  local secs=$1 what=$2 logf=$3; shift 3
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what: not ready after ${secs}s; see $logf" "$logf"
    sleep 0.2
  done
}

# Plain bash /dev/tcp probes, so checks work before curl or the DB/Redis clients exist.
tcp_open() { timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

http_ok() {
  local reply
  reply=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 &&
    printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && head -c 9 <&3" 2>/dev/null) || true
  [[ $reply == HTTP/1.* ]]
}

redis_ping() {
  if command -v redis-cli >/dev/null; then
    [[ $(timeout 3 redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]
  else
    local reply
    reply=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/6379 &&
      printf 'PING\r\n' >&3 && head -c 5 <&3" 2>/dev/null) || true
    [[ $reply == +PONG ]]
  fi
}

# Is a mariadbd meant for port 3306 running? (/proc scan: procps may be absent.) Test suites start throw-away servers of their own (--port=<spare>,
# test/support/own-mariadb.ts); those must not stop this script from starting the shared one.
default_mariadbd_running() {
  local f cmd
  for f in /proc/[0-9]*/cmdline; do
    cmd=$(tr '\0' ' ' <"$f" 2>/dev/null) || continue
    [[ $cmd == *mariadbd* ]] || continue
    [[ $cmd == *--port=* && $cmd != *--port=3306* ]] && continue
    return 0
  done
  return 1
}

need_root() {
  [[ $EUID -eq 0 ]] || die "$1 needs root (run with sudo, or start the services yourself)"
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null ||
    die "missing $*; no apt-get here: install them yourself or use docker-compose.yml"
  need_root "installing $*"
  local apt_log=$LOG_DIR/apt.log
  log "apt: installing $* (log: $apt_log)"
  # Package lists may be stale or absent on a fresh machine; refresh once per run.
  if ((APT_UPDATED == 0)); then
    timeout 300 apt-get update >>"$apt_log" 2>&1 || die "apt-get update failed" "$apt_log"
    APT_UPDATED=1
  fi
  # Lock::Timeout: wait for a concurrent apt/dpkg instead of failing at once.
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y --no-install-recommends \
    -o DPkg::Lock::Timeout=120 "$@" >>"$apt_log" 2>&1 || die "apt-get install $* failed" "$apt_log"
}

# ---------------------------------------------------------------- MariaDB

mysql_tcp() { timeout 15 mariadb --protocol=TCP -h 127.0.0.1 -P 3306 --connect-timeout=5 -u root "$@"; }
mysql_socket() { timeout 10 mariadb --protocol=SOCKET -u root "$@"; }

start_mariadb() {
  need_root "starting mariadbd"
  command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || apt_install mariadb-server mariadb-client
  # Package postinst may start it where policy-rc.d allows; don't start a second one.
  tcp_open 3306 && return 0
  default_mariadbd_running &&
    die "mariadb: mariadbd runs but does not listen on 127.0.0.1:3306 (check its bind-address/port/skip-networking)"

  local mlog=$LOG_DIR/mariadb.log
  log "mariadb: starting (log: $mlog)"
  # mariadbd runs as user mysql and must be able to write its pid file, socket and log.
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  touch "$mlog" && chown mysql:mysql "$mlog"
  if [[ ! -d /var/lib/mysql/mysql ]]; then   # datadir never initialised (postinst normally does it)
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >>"$mlog" 2>&1 ||
      die "mariadb: mariadb-install-db failed" "$mlog"
  fi
  # setsid + stdio to files: the daemon must not hold our stdout (eval "$(...)" would hang).
  setsid /usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 --port=3306 \
    --socket=/run/mysqld/mysqld.sock --pid-file=/run/mysqld/mysqld.pid \
    --log-error="$mlog" </dev/null >>"$mlog" 2>&1 &
  wait_for "$MARIADB_TIMEOUT" mariadb "$mlog" tcp_open 3306
}

ensure_mariadb() {
  local was_running=0
  if tcp_open 3306; then was_running=1; else start_mariadb; fi
  command -v mariadb >/dev/null || apt_install mariadb-client
  # ping exits 0 even on "access denied": this only checks that a MySQL server answers.
  timeout 15 mariadb-admin --protocol=TCP -h 127.0.0.1 -P 3306 --connect-timeout=5 ping >/dev/null 2>&1 ||
    die "mariadb: 127.0.0.1:3306 is open but does not answer as a MySQL server"
  ((was_running == 0)) || log "mariadb: already running"

  # The app connects as mysql://root@127.0.0.1 (TCP, no password). Debian's root@localhost
  # uses unix_socket auth, which a TCP client cannot satisfy: add a TCP-capable root.
  if ! mysql_tcp -e 'select 1' >/dev/null 2>&1; then
    # Only fix auth through the local socket if that is the server on port 3306.
    [[ $(mysql_socket -N -e 'select @@port' 2>/dev/null) == 3306 ]] ||
      die "mariadb: root cannot log in over TCP without a password, and the server on port 3306 is not reachable as root over the local socket to fix it"
    log "mariadb: enabling passwordless root over TCP from 127.0.0.1"
    mysql_socket -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" ||
      die "mariadb: could not connect over the unix socket as root to fix TCP auth"
    # Without skip-name-resolve a TCP login from 127.0.0.1 may match root@localhost instead.
    if ! mysql_tcp -e 'select 1' >/dev/null 2>&1; then
      mysql_socket -e "ALTER USER 'root'@'localhost'
        IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;" ||
        die "mariadb: could not change root@localhost authentication"
    fi
  fi
  local err
  err=$(mysql_tcp -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`
    CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" 2>&1) ||
    die "mariadb: 'mariadb -h 127.0.0.1 -P 3306 -u root' failed: $err"
}

# ---------------------------------------------------------------- Redis

ensure_redis() {
  if redis_ping; then
    log "redis: already running"
    return 0
  fi
  tcp_open 6379 && die "redis: something listens on 127.0.0.1:6379 but does not answer PING with PONG (password set?)"
  command -v redis-server >/dev/null || apt_install redis-server
  redis_ping && { log "redis: already running"; return 0; }   # started by the package's postinst

  local rlog=$LOG_DIR/redis.log
  log "redis: starting (log: $rlog)"
  # No persistence (test data); noeviction because BullMQ must never lose keys.
  # shellcheck disable=SC2094  # die reads the log only after redis-server has returned
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
    --maxmemory-policy noeviction --pidfile "$LOG_DIR/redis.pid" --logfile "$rlog" \
    </dev/null >>"$rlog" 2>&1 || die "redis: redis-server failed to start" "$rlog"
  wait_for "$REDIS_TIMEOUT" redis "$rlog" redis_ping
}

# ---------------------------------------------------------------- S3 (Ceph RGW)

CEPH_CONF=$CEPH_DIR/ceph.conf
CEPH_LOGS=$CEPH_DIR/log
ceph_cli() { timeout 30 ceph -c "$CEPH_CONF" --connect-timeout 10 "$@"; }
rgw_admin() { timeout 60 radosgw-admin -c "$CEPH_CONF" "$@"; }

CEPH_DAEMONS=(client.rgw.a osd.0 mon.a)   # stop order: the osd says goodbye to a live mon

# PID of one of our daemons, from its pid file, if it still is that daemon of this CEPH_DIR (pids get
# reused, and another Ceph's daemons must never be taken for ours).
ceph_pid() {
  local pid cmd
  pid=$(cat "$CEPH_DIR/run/$1.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ " $cmd " == *" -c $CEPH_CONF "* ]] || return 1
  case ${cmd%% *} in */ceph-mon|ceph-mon|*/ceph-osd|ceph-osd|*/radosgw|radosgw) echo "$pid" ;; *) return 1 ;; esac
}

ceph_running() {
  local name
  for name in "${CEPH_DAEMONS[@]}"; do ceph_pid "$name" >/dev/null && return 0; done
  return 1
}

stop_ceph() {
  local name pid deadline
  for name in "${CEPH_DAEMONS[@]}"; do
    pid=$(ceph_pid "$name") || continue
    log "ceph: stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    # Wait on the process, not the pid file (daemons remove it before they finish).
    deadline=$((SECONDS + 15))
    while [[ -e /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.1; done
    [[ ! -e /proc/$pid ]] || kill -9 "$pid" 2>/dev/null || true
  done
}

# Refuse to rm -rf anything that does not look like our own state dir.
wipe_ceph_dir() {
  [[ -n $CEPH_DIR && $CEPH_DIR != / ]] || die "ceph: CEPH_DIR must not be empty or /"
  if [[ -d $CEPH_DIR && ! -f $CEPH_CONF && -n $(ls -A "$CEPH_DIR") ]]; then
    die "ceph: $CEPH_DIR is not empty and has no ceph.conf; refusing to wipe it (set CEPH_DIR)"
  fi
  rm -rf "$CEPH_DIR"
}

write_ceph_conf() {
  local fsid=$1 d=$CEPH_DIR
  # auth none: loopback-only test cluster. memstore: no disks, state is lost on stop.
  # Every path (logs, sockets, pids, crash dumps) points into the state dir, not /var.
  cat >"$CEPH_CONF" <<CONF
[global]
fsid = $fsid
mon host = 127.0.0.1:$CEPH_MON_PORT
mon initial members = a
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush chooseleaf type = 0
osd pool default pg autoscale mode = off
# auth none leaves msgr2's "secure" mode no session key: a monitor on a port other than 6789 (which
# monmaptool makes a v1 address) is reached over msgr2, where radosgw's default "secure crc" fails with
# "get_initial_auth_request returned -13". crc (integrity only, as on v1) works on every port.
ms mon client mode = crc
ms mon service mode = crc
ms mon cluster mode = crc
ms client mode = crc
ms service mode = crc
ms cluster mode = crc
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
log file = $d/log/\$name.log
mon cluster log file = default=$d/log/ceph.\$channel.log cluster=$d/log/ceph.log
admin socket = $d/run/\$name.asok
pid file = $d/run/\$name.pid
run dir = $d/run
crash dir = $d/crash
keyring = $d/keyring
[mon.a]
mon data = $d/mon
mon addr = 127.0.0.1:$CEPH_MON_PORT
[osd.0]
osd data = $d/osd0
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$S3_PORT
rgw data = $d/rgw
CONF
}

osd_up() { ceph_cli osd stat 2>/dev/null | grep -q ' 1 up'; }

start_ceph() {
  local bin missing=0
  for bin in ceph ceph-mon ceph-osd ceph-authtool monmaptool radosgw radosgw-admin; do
    command -v "$bin" >/dev/null || missing=1
  done
  ((missing == 0)) || apt_install radosgw ceph-mon ceph-osd

  # memstore keeps nothing across restarts: a leftover dir is useless, start clean.
  stop_ceph
  tcp_open "$CEPH_MON_PORT" &&
    die "ceph: port $CEPH_MON_PORT (monitor) is taken by another program; set CEPH_MON_PORT to a free port" "" 2
  wipe_ceph_dir
  STARTING_CEPH=1
  mkdir -p "$CEPH_DIR"/{mon,osd0,rgw,log,run,crash}
  local C=(-c "$CEPH_CONF") slog=$CEPH_LOGS/start.log
  local fsid osd_uuid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  write_ceph_conf "$fsid"

  log "ceph: starting our own: S3 (RGW) on 127.0.0.1:$S3_PORT, monitor on 127.0.0.1:$CEPH_MON_PORT, state and logs in $CEPH_DIR (~15-35 s)..."
  {
    ceph-authtool --create-keyring "$CEPH_DIR/keyring" --gen-key -n mon. --cap mon 'allow *' &&
      monmaptool --create --add a "127.0.0.1:$CEPH_MON_PORT" --fsid "$fsid" "$CEPH_DIR/monmap" &&
      timeout 60 ceph-mon "${C[@]}" --mkfs -i a --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/keyring"
  } </dev/null >>"$slog" 2>&1 || die "ceph: creating the monitor failed" "$slog"
  # The daemons fork into the background themselves; stdio to the log keeps our stdout free, and 7>&- keeps
  # them from inheriting (and holding forever) the start lock.
  timeout 60 setsid ceph-mon "${C[@]}" -i a </dev/null >>"$slog" 2>&1 7>&- ||
    die "ceph: ceph-mon failed to start" "$CEPH_LOGS/mon.a.log"
  wait_for "$CEPH_MON_TIMEOUT" "ceph monitor" "$CEPH_LOGS/mon.a.log" ceph_cli -s
  # The OSD registers with whatever monitor answers on the port: make sure it is this one (a foreign or stale
  # monitor there makes the OSD fail with "mon_cmd_maybe_osd_create fail: 'wrong fsid'").
  local mon_fsid
  mon_fsid=$(ceph_cli fsid 2>/dev/null) || true
  [[ $mon_fsid == "$fsid" ]] ||
    die "ceph: the monitor answering on 127.0.0.1:$CEPH_MON_PORT is not the one just created (fsid '$mon_fsid', ours $fsid); set CEPH_MON_PORT to a free port" "$CEPH_LOGS/mon.a.log"

  {
    ceph_cli osd new "$osd_uuid" 0 &&
      timeout 120 ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid"
  } </dev/null >>"$slog" 2>&1 || die "ceph: creating osd.0 failed" "$slog"
  timeout 60 setsid ceph-osd "${C[@]}" -i 0 </dev/null >>"$slog" 2>&1 7>&- ||
    die "ceph: ceph-osd failed to start$(grep -q 'wrong fsid' "$CEPH_LOGS/osd.0.log" 2>/dev/null &&
      echo ": its monitor belongs to another cluster (wrong fsid): was another start running at the same time?")" "$CEPH_LOGS/osd.0.log"
  wait_for "$CEPH_OSD_TIMEOUT" "ceph osd" "$CEPH_LOGS/osd.0.log" osd_up

  # RGW creates its pools on first start, which is most of the start-up time.
  timeout 60 setsid radosgw "${C[@]}" -n client.rgw.a </dev/null >>"$slog" 2>&1 7>&- ||
    die "ceph: radosgw failed to start" "$CEPH_LOGS/client.rgw.a.log"
  wait_for "$CEPH_RGW_TIMEOUT" "ceph rgw (S3)" "$CEPH_LOGS/client.rgw.a.log" http_ok "$S3_PORT"
  ensure_rgw_user
  STARTING_CEPH=0
}

# Make sure the RGW user exists and holds exactly our key pair.
ensure_rgw_user() {
  local info slog=$CEPH_LOGS/start.log
  if ! info=$(rgw_admin user info --uid="$S3_USER" 2>/dev/null); then
    rgw_admin user create --uid="$S3_USER" --display-name="$S3_USER" \
      --access-key="$S3_ACCESS_KEY" --secret="$S3_SECRET_KEY" </dev/null >>"$slog" 2>&1 ||
      die "ceph: radosgw-admin user create failed (access key used by another user?)" "$slog"
    log "s3: created RGW user $S3_USER (access key $S3_ACCESS_KEY)"
  elif ! grep -q "\"access_key\": \"$S3_ACCESS_KEY\"" <<<"$info" ||
       ! grep -q "\"secret_key\": \"$S3_SECRET_KEY\"" <<<"$info"; then
    rgw_admin key create --uid="$S3_USER" --key-type=s3 \
      --access-key="$S3_ACCESS_KEY" --secret="$S3_SECRET_KEY" </dev/null >>"$slog" 2>&1 ||
      die "ceph: radosgw-admin key create failed" "$slog"
    log "s3: set key $S3_ACCESS_KEY on RGW user $S3_USER"
  fi
}

# Why the S3 server on $S3_PORT refuses the configured keys, as "CODE HTTP-STATUS" (S3's own error code from
# the body of a signed ListBuckets), or nothing when it accepts them. A real request: an S3 that merely
# answers HTTP proves nothing about the keys.
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# Run in a subshell ($(...)): what it needs is checked by need_sigv4_curl first, in the main shell.
s3_key_refusal() {
  local body status code
  body=$(mktemp)
  # curl 7.x signs no payload hash, which S3 requires: send (and so sign) the empty body's SHA-256.
  status=$(curl -s -m 10 -o "$body" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
    -u "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: $EMPTY_SHA256" \
    "http://127.0.0.1:$S3_PORT/") || status=000
  code=$(grep -o '<Code>[^<]*</Code>' "$body" | head -n 1 | sed 's/<[^>]*>//g') || true
  rm -f "$body"
  [[ $status == 200 ]] || echo "${code:-NoS3ErrorCode} $status"
}

need_sigv4_curl() {
  command -v curl >/dev/null || apt_install curl
  curl --help all 2>/dev/null | grep -q -- '--aws-sigv4' ||
    die "s3: checking the S3 keys needs curl 7.75 or later (--aws-sigv4); this curl is older"
}

# Exit 2 naming S3's error code and the variables that fix it. $1: the refusal, $2: 1 when the server is ours.
refuse_s3_keys() {
  local code=${1% *} status=${1#* } what
  case $code in
    InvalidAccessKeyId) what="it has no access key S3_ACCESS_KEY=$S3_ACCESS_KEY" ;;
    SignatureDoesNotMatch) what="it has access key S3_ACCESS_KEY=$S3_ACCESS_KEY, with another secret than S3_SECRET_KEY" ;;
    NoS3ErrorCode) what="its answer names no S3 error code (is it an S3 server?)" ;;
    *) what="it refuses them" ;;
  esac
  if [[ $2 == 1 ]]; then
    die "s3: our Ceph RGW on 127.0.0.1:$S3_PORT still refuses S3_ACCESS_KEY/S3_SECRET_KEY after setting them: $code (HTTP $status); see $CEPH_LOGS" "" 1
  fi
  die "s3: the S3 server on 127.0.0.1:$S3_PORT refuses S3_ACCESS_KEY/S3_SECRET_KEY: $code (HTTP $status): $what.
  It was not started by this script (no Ceph of $CEPH_DIR runs), so this script cannot give it that key. Either
  - set S3_ACCESS_KEY and S3_SECRET_KEY to a key pair that server accepts, or
  - set S3_PORT to a free port (and CEPH_MON_PORT too if $CEPH_MON_PORT is taken), and this script starts its own
    Ceph RGW there, e.g. S3_PORT=7481 CEPH_MON_PORT=6790 bash scripts/services.sh" "" 2
}

# One start (or stop) at a time per state dir, on fd 7 until the caller closes it: two runs starting the same
# Ceph at once (several test suites' first "npm test") kill and wipe each other's daemons and rewrite each
# other's ceph.conf (an OSD then meets a monitor of another fsid: "wrong fsid"). The daemons get 7>&-.
lock_ceph_dir() {
  mkdir -p "$(dirname "$CEPH_DIR")"
  exec 7>"$CEPH_DIR.lock"
  flock -w 600 7 || die "s3: another services.sh has held $CEPH_DIR.lock for 10 minutes"
}

ensure_s3() {
  lock_ceph_dir
  local refusal
  need_sigv4_curl
  if http_ok "$S3_PORT"; then
    if [[ -f $CEPH_CONF ]] && ceph_running && command -v radosgw-admin >/dev/null; then
      ensure_rgw_user
      refusal=$(s3_key_refusal)
      [[ -z $refusal ]] || refuse_s3_keys "$refusal" 1
      log "s3: already running (our Ceph RGW in $CEPH_DIR)"
    else
      refusal=$(s3_key_refusal)
      [[ -z $refusal ]] || refuse_s3_keys "$refusal" 0
      log "s3: an S3 server not started by this script answers on 127.0.0.1:$S3_PORT and accepts S3_ACCESS_KEY=$S3_ACCESS_KEY: using it"
    fi
  else
    tcp_open "$S3_PORT" &&
      die "s3: 127.0.0.1:$S3_PORT is open but does not speak HTTP; set S3_PORT to a free port" "" 2
    start_ceph
    refusal=$(s3_key_refusal)
    [[ -z $refusal ]] || refuse_s3_keys "$refusal" 1
    log "s3: started our own Ceph RGW: S3 on 127.0.0.1:$S3_PORT, monitor on 127.0.0.1:$CEPH_MON_PORT (stop it: CEPH_DIR=$CEPH_DIR bash scripts/services.sh --stop-s3)"
  fi
  exec 7>&-
  log "s3: ready at http://127.0.0.1:$S3_PORT"
}

# ---------------------------------------------------------------- main

main() {
  mkdir -p "$LOG_DIR"
  if ((STOP_S3)); then
    lock_ceph_dir
    stop_ceph
    log "ceph: stopped (the daemons of $CEPH_DIR, if any ran)"
    return 0
  fi
  ensure_mariadb
  ensure_redis
  ensure_s3
  ((WITH_CHROMIUM)) && ensure_chromium
  return 0
}

# The browser tests drive Debian's chromium through playwright-core (never a downloaded browser).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then log "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"; return 0; fi
  need_root chromium
  apt_install chromium
  [ -x /usr/bin/chromium ] || die "chromium installed but /usr/bin/chromium is missing"
  log "chromium: installed"
}

print_env() {
  printf 'export %s=%q\n' \
    DATABASE_URL "mysql://root@127.0.0.1:3306/$DB_NAME" \
    REDIS_URL "redis://127.0.0.1:6379/0" \
    S3_ENDPOINT "http://127.0.0.1:$S3_PORT" \
    S3_REGION us-east-1 \
    S3_FORCE_PATH_STYLE true \
    AWS_ACCESS_KEY_ID "$S3_ACCESS_KEY" \
    AWS_SECRET_ACCESS_KEY "$S3_SECRET_KEY"
}

if ((PRINT_ENV)); then
  main >&2      # progress to stderr: stdout carries only the export lines
  ((STOP_S3)) || print_env
else
  main
fi
