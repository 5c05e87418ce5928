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

Options:
  --print-env  progress goes to stderr; stdout gets only `export VAR=...` lines, so
               eval "$(scripts/services.sh --print-env)"  sets up the current shell
               (eval hides a failure; in scripts use: out=$(scripts/services.sh --print-env) && eval "$out")
  --stop-s3    stop the Ceph daemons this script started (by the pid files in $CEPH_DIR/run)
  --with-chromium  also install Debian's chromium when /usr/bin/chromium is missing (the browser tests)
  --help       this text

Environment (defaults):
  CEPH_DIR=/tmp/openedx-workers-ceph        Ceph state, pid files and logs (log/)
  S3_PORT=7480                              RGW port
  CEPH_MON_PORT=6789                        Ceph monitor port
  S3_ACCESS_KEY=openedx-workers             RGW user's access key
  S3_SECRET_KEY=openedx-workers-secret      RGW user's secret key
  SERVICES_LOG_DIR=/tmp/openedx-workers-services   logs of apt-get, mariadbd, redis-server

Needs root to install packages or to start mariadbd. Measured here (2 cores): installing Ceph
and starting it ~35 s, restarting RGW alone ~13 s, a re-run with everything up ~0.2 s.
EOF
}

CEPH_DIR=${CEPH_DIR:-/tmp/openedx-workers-ceph}
S3_PORT=${S3_PORT:-7480}
CEPH_MON_PORT=${CEPH_MON_PORT:-6789}
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

die() {
  local msg=$1 logf=${2:-}
  echo "services.sh: ERROR: $msg" >&2
  if [[ -n $logf && -s $logf ]]; then
    echo "---- last lines of $logf ----" >&2
    tail -n 20 "$logf" >&2 || true
  fi
  exit 1
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

# PID of one of our daemons, from its pid file, if it still is that daemon (pids get reused).
ceph_pid() {
  local pid exe
  pid=$(cat "$CEPH_DIR/run/$1.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || return 1
  exe=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | head -n 1) || return 1
  case ${exe##*/} in ceph-mon|ceph-osd|radosgw) echo "$pid" ;; *) return 1 ;; esac
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
  tcp_open "$CEPH_MON_PORT" && die "ceph: port $CEPH_MON_PORT (monitor) is taken by another program; set CEPH_MON_PORT"
  wipe_ceph_dir
  mkdir -p "$CEPH_DIR"/{mon,osd0,rgw,log,run,crash}
  local C=(-c "$CEPH_CONF") slog=$CEPH_LOGS/start.log
  local fsid osd_uuid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  write_ceph_conf "$fsid"

  log "ceph rgw: starting (first start ~15 s; logs: $CEPH_LOGS)..."
  {
    ceph-authtool --create-keyring "$CEPH_DIR/keyring" --gen-key -n mon. --cap mon 'allow *' &&
      monmaptool --create --add a "127.0.0.1:$CEPH_MON_PORT" --fsid "$fsid" "$CEPH_DIR/monmap" &&
      timeout 60 ceph-mon "${C[@]}" --mkfs -i a --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/keyring"
  } </dev/null >>"$slog" 2>&1 || die "ceph: creating the monitor failed" "$slog"
  # The daemons fork into the background themselves; stdio to the log keeps our stdout free.
  timeout 60 setsid ceph-mon "${C[@]}" -i a </dev/null >>"$slog" 2>&1 ||
    die "ceph: ceph-mon failed to start" "$CEPH_LOGS/mon.a.log"
  wait_for "$CEPH_MON_TIMEOUT" "ceph monitor" "$CEPH_LOGS/mon.a.log" ceph_cli -s

  {
    ceph_cli osd new "$osd_uuid" 0 &&
      timeout 120 ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid"
  } </dev/null >>"$slog" 2>&1 || die "ceph: creating osd.0 failed" "$slog"
  timeout 60 setsid ceph-osd "${C[@]}" -i 0 </dev/null >>"$slog" 2>&1 ||
    die "ceph: ceph-osd failed to start" "$CEPH_LOGS/osd.0.log"
  wait_for "$CEPH_OSD_TIMEOUT" "ceph osd" "$CEPH_LOGS/osd.0.log" osd_up

  # RGW creates its pools on first start, which is most of the start-up time.
  timeout 60 setsid radosgw "${C[@]}" -n client.rgw.a </dev/null >>"$slog" 2>&1 ||
    die "ceph: radosgw failed to start" "$CEPH_LOGS/client.rgw.a.log"
  wait_for "$CEPH_RGW_TIMEOUT" "ceph rgw (S3)" "$CEPH_LOGS/client.rgw.a.log" http_ok "$S3_PORT"
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

ensure_s3() {
  if http_ok "$S3_PORT"; then
    if [[ -f $CEPH_CONF ]] && ceph_running && command -v radosgw-admin >/dev/null; then
      ensure_rgw_user
      log "s3: already running (ceph rgw in $CEPH_DIR)"
    else
      log "s3: something already answers on 127.0.0.1:$S3_PORT (not ours); assuming it accepts $S3_ACCESS_KEY"
    fi
  else
    tcp_open "$S3_PORT" && die "s3: 127.0.0.1:$S3_PORT is open but does not speak HTTP"
    start_ceph
    ensure_rgw_user
  fi
  log "s3: ready at http://127.0.0.1:$S3_PORT"
}

# ---------------------------------------------------------------- main

main() {
  mkdir -p "$LOG_DIR"
  if ((STOP_S3)); then
    stop_ceph
    log "ceph: stopped"
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
