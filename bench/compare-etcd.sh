#!/usr/bin/env bash
# compare-etcd.sh: PPAPD's platform against etcd on the same machine, the same closed-loop
# loads, alternately (A B A B ...), and a table of the medians.
#
# Starts a 3-replica PPAPD cluster and a 3-member etcd cluster on loopback (free ports, temp
# data dirs, both with their default durability: every acknowledged write is fsynced), then
# for each round and each load runs `bench --json platform` and right after it `bench --json
# etcd` with the same client count and window. Prints every run's rows, then per load: the
# median ops/s of each, their ratio, and the median p50/p99 latencies with the p99 ratio.
# Everything it starts is stopped by pid when it ends, also on Ctrl-C; its temp dir is removed.
#
# Runs on Debian 12 as root: installs etcd-server and jq when missing, and builds bench and
# replica (release preset) when they are not built yet.
#
# Environment (defaults in brackets):
#   BENCH, REPLICA     the executables [build/release/apps/{bench,replica}]
#   ROUNDS             rounds of A B per load [3]
#   WARMUP_MS          warm-up before each measured window [1000]
#   DURATION_MS        each measured window [5000]
#   WRITE_CLIENTS      client counts of the write load [1 32]
#   FETCH_CLIENTS      client counts of the fetch load (100 records per read) [8]
#   LOOKUP_CLIENTS     client counts of the lookup load (one record per read) [none]
#   QUICK=1            a try-out: 1 round, 1 s windows, 200 ms warm-up
#   KEEP_LOGS=1        print the servers' logs' last lines when done
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${QUICK:-0}" = 1 ]; then
  ROUNDS=${ROUNDS:-1} DURATION_MS=${DURATION_MS:-1000} WARMUP_MS=${WARMUP_MS:-200}
fi
ROUNDS=${ROUNDS:-3}
WARMUP_MS=${WARMUP_MS:-1000}
DURATION_MS=${DURATION_MS:-5000}
WRITE_CLIENTS=${WRITE_CLIENTS-1 32}
FETCH_CLIENTS=${FETCH_CLIENTS-8}
LOOKUP_CLIENTS=${LOOKUP_CLIENTS-}
startup_timeout_s=30

say() { printf 'compare-etcd: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# --- what it needs -----------------------------------------------------------------------

apt_updated=0
ensure_command() {  # command package
  command -v "$1" >/dev/null && return
  [ "$(id -u)" -eq 0 ] || die "'$1' is missing; install Debian's $2 (needs root)"
  say "installing $2"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "$2" >/dev/null; then
    [ "$apt_updated" = 1 ] || { apt-get update -qq; apt_updated=1; }
    apt-get install -y -qq "$2" >/dev/null
  fi
  command -v "$1" >/dev/null || die "'$1' is still missing after installing $2"
}
ensure_command etcd etcd-server
ensure_command jq jq

BENCH=${BENCH:-$root/build/release/apps/bench}
REPLICA=${REPLICA:-$root/build/release/apps/replica}
if [ ! -x "$BENCH" ] || [ ! -x "$REPLICA" ]; then
  say "building bench and replica (release preset)"
  (cd "$root" && scripts/install-deps && cmake --preset release >/dev/null &&
     cmake --build --preset release -j"$(nproc)" --target bench replica)
fi
[ -x "$BENCH" ] || die "no bench executable at $BENCH"
[ -x "$REPLICA" ] || die "no replica executable at $REPLICA"

# --- cleanup: every process by pid, the temp dir ----------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ppapd-compare-etcd.XXXXXX")
pids=()
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "${KEEP_LOGS:-0}" = 1 ]; then
    for log in "$tmp"/*.log; do [ -f "$log" ] && { echo "== $log"; tail -n 5 "$log"; }; done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- free loopback ports -------------------------------------------------------------------

used_ports=" "
port=0
next_port() {  # sets $port: one nothing listens on and this script has not handed out
  while :; do
    port=$((15000 + RANDOM % 17000))  # below Linux's ephemeral range (32768-60999)
    case "$used_ports" in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      used_ports+="$port "
      return
    fi
  done
}

# Sends one request to 127.0.0.1:port and prints the answer (at most 2 s).
# The script is single-quoted on purpose: the inner bash expands $1 and $2.
# shellcheck disable=SC2016
ask() {  # port request reader
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "%b" "$2" >&3 && '"$3"' <&3' \
    _ "$1" "$2" 2>/dev/null || true
}

ask_tls() {  # port request: one request line to a replica's client port (TLS), its reply
  { printf '%b' "$2"; sleep 0.5; } |
    timeout 5 openssl s_client -quiet -no_ign_eof -verify_return_error \
      -CAfile "$tmp/certs/ca.crt" -connect "127.0.0.1:$1" 2>/dev/null | head -n 1 || true
}

wait_until() {  # description command...
  local what=$1
  shift
  local deadline=$((SECONDS + startup_timeout_s))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      for log in "$tmp"/*.log; do echo "== $log"; tail -n 15 "$log"; done >&2
      die "$what did not happen within ${startup_timeout_s} s"
    fi
    sleep 0.1
  done
}

# --- etcd: 3 members, its defaults (fsync on; the v3 JSON gateway on the client URL) -------

etcd_client_ports=() etcd_pids=()
etcd_initial=""
etcd_peer_ports=()
for i in 1 2 3; do
  next_port; etcd_client_ports+=("$port")
  next_port; etcd_peer_ports+=("$port")
  etcd_initial+="${etcd_initial:+,}e$i=http://127.0.0.1:${etcd_peer_ports[-1]}"
done
for i in 1 2 3; do
  cp=${etcd_client_ports[i - 1]} pp=${etcd_peer_ports[i - 1]}
  etcd --name "e$i" --data-dir "$tmp/etcd-$i" \
    --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    --initial-cluster "$etcd_initial" --initial-cluster-state new \
    --initial-cluster-token "ppapd-compare-$$" --enable-grpc-gateway=true \
    >"$tmp/etcd-$i.log" 2>&1 &
  pids+=($!) etcd_pids+=($!)
done
etcd_healthy() {
  local port
  for port in "${etcd_client_ports[@]}"; do
    ask "$port" 'GET /health HTTP/1.0\r\n\r\n' cat | grep -q '"health":"true"' || return 1
  done
}
wait_until "etcd's members agreeing on a leader" etcd_healthy
etcd_endpoints=$(printf '127.0.0.1:%s,' "${etcd_client_ports[@]}")
etcd_endpoints=${etcd_endpoints%,}

# --- PPAPD: 3 replicas, the timing and limits of configs/local-3.json ------------------------
# (its limits lift the per-source rates: every client here connects from 127.0.0.1)

cluster=$tmp/cluster.json
replica_ports=()
replicas_json="[]"
for i in 1 2 3; do
  next_port; replica_ports+=("$port")
  next_port
  replicas_json=$(jq -c --argjson id "$i" --argjson cp "${replica_ports[-1]}" --argjson rp "$port" \
    '. + [{id: $id, host: "127.0.0.1", client_port: $cp, raft_port: $rp}]' <<<"$replicas_json")
done
jq -n --argjson replicas "$replicas_json" --slurpfile local "$root/configs/local-3.json" \
  '{replicas: $replicas, timing: $local[0].timing, limits: $local[0].limits}' >"$cluster"
"$REPLICA" init-certs --config "$cluster" --out "$tmp/certs" >/dev/null
replica_pids=()
for i in 1 2 3; do
  "$REPLICA" --config "$cluster" --id "$i" --data-dir "$tmp/replica-$i" \
    >"$tmp/replica-$i.log" 2>&1 &
  pids+=($!) replica_pids+=($!)
done
ppapd_led() {  # every replica names the same leader, and that one says it leads
  local port status leaders="" roles=""
  for port in "${replica_ports[@]}"; do
    status=$(ask_tls "$port" '{"id":1,"op":"status"}\n')
    [ -n "$status" ] || return 1
    leaders+="$(jq -r '.result.leader // "none"' <<<"$status") "
    roles+="$(jq -r 'select(.result.leader == .result.id) | .result.role' <<<"$status")"
  done
  [ "$(tr ' ' '\n' <<<"$leaders" | sort -u | grep -c .)" = 1 ] &&
    [ "${leaders%% *}" != none ] && [ "$roles" = leader ]
}
wait_until "PPAPD's replicas agreeing on a leader" ppapd_led

join() { local IFS=,; echo "$*"; }
say "$(nproc) cores; etcd $(etcd --version | head -n 1 | awk '{print $3}'); $("$BENCH" --version)"
say "etcd at $etcd_endpoints (pids $(join "${etcd_pids[@]}"))"
say "PPAPD at $(join "${replica_ports[@]/#/127.0.0.1:}") (pids $(join "${replica_pids[@]}"))"
say "$ROUNDS rounds; windows of $DURATION_MS ms after $WARMUP_MS ms of warm-up"

# --- the runs: A B per load, round after round ----------------------------------------------

loads=()
for c in $WRITE_CLIENTS; do loads+=("write:$c"); done
for c in $FETCH_CLIENTS; do loads+=("fetch:$c"); done
for c in $LOOKUP_CLIENTS; do loads+=("lookup:$c"); done
[ ${#loads[@]} -gt 0 ] || die "no load to run (WRITE_CLIENTS, FETCH_CLIENTS, LOOKUP_CLIENTS)"

rows=$tmp/rows.jsonl
: >"$rows"
run() {  # round load-number workload clients mode args...
  local round=$1 load=$2 workload=$3 clients=$4
  shift 4
  local out=$tmp/run.jsonl
  if ! "$BENCH" --json "$@" --workload "$workload" --clients "$clients" \
      --warmup-ms "$WARMUP_MS" --duration-ms "$DURATION_MS" >"$out" 2>"$tmp/run.err"; then
    cat "$tmp/run.err" >&2
    die "bench $1 failed (round $round, $workload at $clients clients)"
  fi
  grep -v '^etcd ' "$tmp/run.err" >&2 || true  # error notes, if any
  jq -c --argjson round "$round" --argjson load "$load" '. + {round: $round, load: $load}' \
    "$out" | tee -a "$rows" |
    jq -r 'def r2: if . == null then "?" else (. * 100 | round) / 100 end;
           "round \(.round)  \(.bench | . + "        " | .[:8]) \(.workload) at \(.clients): " +
           "\(.ops_per_s) ops/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, errors \(.errors), " +
           "server CPU \(.server_cpu_s | r2) s, generator CPU \(.generator_cpu_s | r2) s, " +
           "new terms \(.new_terms // "?")"'
}
for round in $(seq "$ROUNDS"); do
  for i in "${!loads[@]}"; do
    workload=${loads[i]%%:*} clients=${loads[i]##*:}
    run "$round" "$i" "$workload" "$clients" platform --cluster "$cluster" \
      --server-pids "$(join "${replica_pids[@]}")"
    run "$round" "$i" "$workload" "$clients" etcd --endpoints "$etcd_endpoints" \
      --server-pids "$(join "${etcd_pids[@]}")"
  done
done

# --- the table: medians over the rounds ------------------------------------------------------

echo
jq -rs '
  def median: sort | length as $n
    | if $n == 0 then null elif $n % 2 == 1 then .[($n - 1) / 2]
      else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
  def r2: if . == null then null else (. * 100 | round) / 100 end;
  def ratio($a; $b): if $a == null or $b == null or $b == 0 then null else $a / $b | r2 end;
  (["load", "clients", "ppapd_ops/s", "etcd_ops/s", "ops_ratio",
    "ppapd_p50", "etcd_p50", "ppapd_p99", "etcd_p99", "p99_ratio", "errors"] | @tsv),
  (group_by(.load)[]
   | (map(select(.bench == "platform"))) as $a | (map(select(.bench == "etcd"))) as $b
   | ($a | map(.ops_per_s) | median) as $a_ops | ($b | map(.ops_per_s) | median) as $b_ops
   | ($a | map(.p99_ms) | median) as $a_p99 | ($b | map(.p99_ms) | median) as $b_p99
   | [.[0].workload, .[0].clients, ($a_ops | r2), ($b_ops | r2), ratio($a_ops; $b_ops),
      ($a | map(.p50_ms) | median | r2), ($b | map(.p50_ms) | median | r2),
      ($a_p99 | r2), ($b_p99 | r2), ratio($a_p99; $b_p99), (map(.errors) | add)]
   | map(. // "-") | @tsv)' "$rows" |
  awk -F'\t' '{ printf "%-7s %7s %12s %12s %9s %10s %10s %10s %10s %9s %7s\n",
                 $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }'
echo "(medians over $ROUNDS rounds; ratios are PPAPD / etcd; latencies in ms)"
