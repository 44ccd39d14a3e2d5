#!/usr/bin/env bash
# Peer benchmark: gobiz next to what users would run instead, driven by one neutral load tool.
#
#   bench/peers/run.sh [--rounds N] [--seconds S] [--connections C] [--no-build]
#
# Targets, all given the same data:
#   - gobiz: target/release/gobiz serve --demo on a fresh SQLite file (and, when
#     GOBIZ_BENCH_POSTGRES_URL is set, a second one on that PostgreSQL database, which it WIPES:
#     it starts with --demo --reset);
#   - bare axum: `gobiz-bench peers-baseline`, answering the exact bytes gobiz answered;
#   - Stoplight Prism (`prism mock`) with an OpenAPI document whose example is that same
#     catalog body;
#   - node oidc-provider, in memory, with one client_credentials client (client_secret_basic,
#     one scope), the same id and secret as the gobiz demo client.
# Workloads: GET v2/catalog of a 300-item catalog, the small authenticated reads GET
# linked-outlets and GET outlet info (client-credentials token) and GET token-info (a user
# token of the demo merchant, from the authorization-code flow through the login pages, the
# sandbox OTP and consent; minted anew each round, as the client-credentials one), and a
# client-credentials token request, each with `wrk -t1 -cC -dSs --latency`, the targets alternating (A B, then
# B A, ...) over N rounds, after 2 s of unrecorded warm-up per target. Prints per-run lines,
# then one table of medians as markdown.
#
# Installs, when missing: Prism and oidc-provider at the versions pinned in
# bench/peers/package.json (and package-lock.json) into target/peers/node_modules with npm
# (never globally), and wrk with apt-get when running as root. Builds the release binaries
# of gobiz and gobiz-bench with cargo (--no-build: use them as they are). Nothing in CI runs
# this.
set -euo pipefail

ROUNDS=3
SECS=10
CONNS=32
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --seconds) SECS="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for n in "$ROUNDS" "$SECS" "$CONNS"; do
  case "$n" in ''|*[!0-9]*|0) echo "run.sh: --rounds, --seconds and --connections take a whole number of at least 1" >&2; exit 2 ;; esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/peers"
PEERS="$ROOT/target/peers"
BIN="$ROOT/target/release"

die() { echo "run.sh: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

# --- tools ----------------------------------------------------------------------------------
for t in curl node npm cargo awk sort base64 cmp; do
  command -v "$t" >/dev/null || die "$t is needed and not installed"
done
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || die "Node.js 20 or later is needed (found $(node --version))"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing wrk (apt-get install -y wrk)"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1; } \
      || die "wrk is missing and apt-get could not install it"
  else
    die "wrk is missing: install it (Debian: apt-get install wrk)"
  fi
fi

if [ "$BUILD" = 1 ]; then
  say "building target/release/gobiz and gobiz-bench (cargo build --release -p gobiz -p gobiz-bench)"
  (cd "$ROOT" && cargo build --release -p gobiz -p gobiz-bench) >&2 || die "cargo build failed"
  BUILT="built from $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'this tree')$(git -C "$ROOT" diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || echo ' with uncommitted changes')"
else
  for b in gobiz gobiz-bench; do
    [ -x "$BIN/$b" ] || die "$BIN/$b is missing: build it with cargo build --release -p gobiz -p gobiz-bench (or drop --no-build)"
  done
  BUILT="binaries not rebuilt (--no-build)"
fi

mkdir -p "$PEERS"
if ! cmp -s "$HERE/package.json" "$PEERS/package.json" \
   || ! cmp -s "$HERE/package-lock.json" "$PEERS/package-lock.json" \
   || [ ! -x "$PEERS/node_modules/.bin/prism" ] || [ ! -d "$PEERS/node_modules/oidc-provider" ]; then
  say "installing the pinned peers into $PEERS/node_modules (npm ci)"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$PEERS/"
  (cd "$PEERS" && npm ci --no-audit --no-fund >&2) || die "npm could not install the peers (is the npm registry reachable?)"
fi
cp "$HERE/oidc-provider.mjs" "$PEERS/" # node resolves 'oidc-provider' next to the script
PRISM_VERSION=$(node -p "require('$PEERS/node_modules/@stoplight/prism-cli/package.json').version")
OIDC_VERSION=$(node -p "require('$PEERS/node_modules/oidc-provider/package.json').version")
WRK_VERSION=$(wrk -v 2>&1 | awk 'NR==1{print $2}' || true)

# --- processes ------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gobiz-peers.XXXXXX")
PIDS=()
WRK_PID=
cleanup() {
  local p
  [ -z "$WRK_PID" ] || kill "$WRK_PID" 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_line PID LOG PREFIX: the rest of the first line of LOG that starts with PREFIX.
wait_line() {
  local pid=$1 log=$2 prefix=$3 i line
  for i in $(seq 1 600); do
    line=$(grep -m1 "^$prefix" "$log" 2>/dev/null || true)
    if [ -n "$line" ]; then echo "${line#"$prefix"}"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "process $pid exited before it listened (log above)"; }
    sleep 0.1
  done
  cat "$log" >&2
  die "no '$prefix' line after 60 s (log above)"
}

# wait_http URL [curl args]: until URL answers 2xx.
wait_http() {
  local url=$1 i; shift
  for i in $(seq 1 600); do
    curl -fsS -o /dev/null "$@" "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  die "$url did not answer 200 within 60 s"
}

CLIENT_ID=demo-pos-client
CLIENT_SECRET=demo-pos-secret-change-me-0123456789abcdefg
SCOPE=partner:outlet:read
READ_SCOPES="gofood:catalog:read partner:outlet:read"
export TOKEN_BASIC TOKEN_SCOPE=$SCOPE
TOKEN_BASIC=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)

# start_gobiz NAME DATABASE_URL [extra flags]: sets GOBIZ_URL.
start_gobiz() {
  local name=$1 db=$2; shift 2
  local log="$WORK/gobiz-$name.log"
  env -u GOBIZ_CONFIG RUST_LOG="${GOBIZ_BENCH_RUST_LOG:-warn}" \
    "$BIN/gobiz" serve --mode sandbox --demo "$@" --listen 127.0.0.1:0 --database-url "$db" >"$log" 2>&1 &
  PIDS+=($!)
  GOBIZ_URL=$(wait_line $! "$log" "gobiz listening on ")
}

user_token() { # BASE: a user token of the demo merchant (authorization-code flow), for token-info
  "$BIN/gobiz-bench" peers-setup --url "$1" --login-only | awk '$1=="user-token"{print $2}'
}

gobiz_token() { # BASE: a bearer token for the reads
  curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode grant_type=client_credentials \
    --data-urlencode "scope=$READ_SCOPES" "$1/oauth2/token" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).access_token))'
}

say "starting gobiz on SQLite"
start_gobiz sqlite "sqlite://$WORK/gobiz.db?mode=rwc"
GOBIZ_SQLITE=$GOBIZ_URL
"$BIN/gobiz-bench" peers-setup --url "$GOBIZ_SQLITE" --out "$WORK/bodies" >"$WORK/setup.txt"
CATALOG_PATH=$(awk '$1=="catalog"{print $2}' "$WORK/setup.txt")
LINKED_PATH=$(awk '$1=="linked-outlets"{print $2}' "$WORK/setup.txt")
OUTLET_PATH=$(awk '$1=="outlet-info"{print $2}' "$WORK/setup.txt")
TOKENINFO_PATH=$(awk '$1=="token-info"{print $2}' "$WORK/setup.txt")
CATALOG_BYTES=$(wc -c <"$WORK/bodies/catalog.json")
LINKED_BYTES=$(wc -c <"$WORK/bodies/linked-outlets.json")
OUTLET_BYTES=$(wc -c <"$WORK/bodies/outlet-info.json")
TOKENINFO_BYTES=$(wc -c <"$WORK/bodies/token-info.json")
USER_TTL=$(awk '$1=="user-token"{print $3}' "$WORK/setup.txt")
say "bodies: catalog $CATALOG_BYTES bytes, linked-outlets $LINKED_BYTES, outlet info $OUTLET_BYTES, token-info $TOKENINFO_BYTES (user token for ${USER_TTL} s)"

GOBIZ_PG=
if [ -n "${GOBIZ_BENCH_POSTGRES_URL:-}" ]; then
  say "starting gobiz on PostgreSQL (--demo --reset: the database is wiped)"
  start_gobiz pg "$GOBIZ_BENCH_POSTGRES_URL" --reset
  GOBIZ_PG=$GOBIZ_URL
  "$BIN/gobiz-bench" peers-setup --url "$GOBIZ_PG" --out "$WORK/bodies-pg" >/dev/null
  for b in linked-outlets outlet-info token-info; do
    # The demo's timestamps are the minute each server started, which may differ by one;
    # everything else, and the length, must be the same.
    stamps='s/"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"/"T"/g'
    [ "$(wc -c <"$WORK/bodies/$b.json")" = "$(wc -c <"$WORK/bodies-pg/$b.json")" ] \
      && cmp -s <(sed -E "$stamps" "$WORK/bodies/$b.json") <(sed -E "$stamps" "$WORK/bodies-pg/$b.json") \
      || die "gobiz answers $b differently on PostgreSQL and on SQLite (the baseline serves the SQLite bytes)"
  done
fi

say "starting the bare axum baseline"
"$BIN/gobiz-bench" peers-baseline \
  --route "$CATALOG_PATH=$WORK/bodies/catalog.json" \
  --route "$LINKED_PATH=$WORK/bodies/linked-outlets.json" \
  --route "$OUTLET_PATH=$WORK/bodies/outlet-info.json" \
  --route "$TOKENINFO_PATH=$WORK/bodies/token-info.json" >"$WORK/bare.log" 2>&1 &
PIDS+=($!)
BARE=$(wait_line $! "$WORK/bare.log" "baseline listening on ")

say "starting Prism $PRISM_VERSION"
node -e '
  const fs = require("fs");
  const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const op = doc.paths["/integrations/gofood/outlets/{outlet_id}/v2/catalog"].get;
  op.responses["200"].content["application/json"].example = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  fs.writeFileSync(process.argv[3], JSON.stringify(doc));
' "$HERE/prism-openapi.json" "$WORK/bodies/catalog.json" "$WORK/prism.json"
PRISM_PORT=$(free_port)
"$PEERS/node_modules/.bin/prism" mock -h 127.0.0.1 -p "$PRISM_PORT" -v warn "$WORK/prism.json" >"$WORK/prism.log" 2>&1 &
PIDS+=($!)
PRISM="http://127.0.0.1:$PRISM_PORT"
wait_http "$PRISM$CATALOG_PATH" -H "Authorization: Bearer x"

say "starting oidc-provider $OIDC_VERSION"
OIDC_PORT=$(free_port)
node "$PEERS/oidc-provider.mjs" "$OIDC_PORT" "$CLIENT_ID" "$CLIENT_SECRET" "$SCOPE" >"$WORK/oidc.log" 2>&1 &
PIDS+=($!)
OIDC="$(wait_line $! "$WORK/oidc.log" "oidc-provider listening on ")"

# Same answers everywhere before measuring.
curl -fsS -H "Authorization: Bearer x" "$PRISM$CATALOG_PATH" -o "$WORK/prism-catalog.json"
if cmp -s "$WORK/prism-catalog.json" "$WORK/bodies/catalog.json"; then
  PRISM_SAME="same bytes"
else
  node -e '
    const fs = require("fs"), [a, b] = process.argv.slice(1).map(f => JSON.parse(fs.readFileSync(f, "utf8")));
    process.exit(JSON.stringify(a) === JSON.stringify(b) ? 0 : 1)' "$WORK/prism-catalog.json" "$WORK/bodies/catalog.json" \
    || die "Prism's catalog differs from gobiz's"
  PRISM_SAME="same JSON, $(wc -c <"$WORK/prism-catalog.json") bytes"
fi
for b in "catalog $CATALOG_PATH" "linked-outlets $LINKED_PATH" "outlet-info $OUTLET_PATH" "token-info $TOKENINFO_PATH"; do
  read -r name path <<<"$b"
  curl -fsS "$BARE$path" | cmp -s - "$WORK/bodies/$name.json" || die "the baseline's $name differs from gobiz's"
done
for base in "$GOBIZ_SQLITE" "$OIDC"; do
  path=/oauth2/token; [ "$base" = "$OIDC" ] && path=/token
  curl -fsS -o /dev/null -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d "scope=$SCOPE" "$base$path" \
    || die "token request to $base$path failed"
done

# --- measuring ------------------------------------------------------------------------------
RESULTS="$WORK/results.txt"
: >"$RESULTS"
FAILED_RUNS=""

# to_ms VALUE-WITH-UNIT
to_ms() {
  awk -v v="$1" 'BEGIN{ n=v+0; u=v; sub(/^[0-9.]+/, "", u);
    if (u=="us") n/=1000; else if (u=="s") n*=1000; else if (u=="m") n*=60000; printf "%.2f", n }'
}

# measure KEY ROUND URL [wrk args...]: one wrk run; appends "KEY rps p50 p99" to RESULTS.
measure() {
  local key=$1 round=$2 url=$3; shift 3
  local out="$WORK/wrk-$key-$round.txt"
  # in the background, so that a signal stops the run at once (the trap kills WRK_PID)
  wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$@" "$url" >"$out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || { cat "$out" >&2; die "wrk failed on $url"; }
  WRK_PID=
  local rps p50 p99 bad
  rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$out")
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' "$out")")
  p99=$(to_ms "$(awk '$1=="99%"{print $2}' "$out")")
  # failures: non-2xx answers, and wrk's socket errors (connect, read, write, timeout)
  bad=$(awk '/Non-2xx or 3xx responses:/{n+=$NF} /Socket errors:/{gsub(/,/,""); n+=$4+$6+$8+$10} END{print n+0}' "$out")
  if [ "$bad" != 0 ]; then
    FAILED_RUNS="$FAILED_RUNS $key (round $round): $bad;"
    echo "WARNING: $key round $round: $bad failed requests (counted in req/s):" >&2
    grep -E 'Non-2xx|Socket errors' "$out" >&2 || true
  fi
  echo "$key $rps $p50 $p99" >>"$RESULTS"
  printf '  round %s  %-22s %8s req/s  p50 %7s ms  p99 %7s ms\n' "$round" "$key" "$rps" "$p50" "$p99" >&2
}

TOKEN_LUA="$HERE/token.lua"
# in_order ROUND CMD...: runs the commands (each one string) in order on odd rounds, reversed
# on even ones, so that no target always goes first.
in_order() {
  local round=$1 i; shift
  local cmds=("$@")
  if [ $((round % 2)) = 1 ]; then
    for i in "${!cmds[@]}"; do eval "${cmds[$i]}"; done
  else
    for ((i = ${#cmds[@]} - 1; i >= 0; i--)); do eval "${cmds[$i]}"; done
  fi
}

# warm KEY URL [wrk args...]: 2 s of load that is not recorded (Node's JIT, pools, caches).
warm() {
  shift
  local url=$1; shift
  wrk -t1 -c"$CONNS" -d2s "$@" "$url" >/dev/null 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || true
  WRK_PID=
}
say "warming every target up (2 s each, not recorded)"
AUTH_SQLITE="Authorization: Bearer $(gobiz_token "$GOBIZ_SQLITE")"
USER_SQLITE="Authorization: Bearer $(user_token "$GOBIZ_SQLITE")"
warm - "$GOBIZ_SQLITE$CATALOG_PATH" -H "$AUTH_SQLITE"
warm - "$GOBIZ_SQLITE$LINKED_PATH" -H "$AUTH_SQLITE"
warm - "$GOBIZ_SQLITE$OUTLET_PATH" -H "$AUTH_SQLITE"
warm - "$GOBIZ_SQLITE$TOKENINFO_PATH" -H "$USER_SQLITE"
warm - "$GOBIZ_SQLITE/oauth2/token" -s "$TOKEN_LUA"
if [ -n "$GOBIZ_PG" ]; then
  AUTH_PG="Authorization: Bearer $(gobiz_token "$GOBIZ_PG")"
  USER_PG="Authorization: Bearer $(user_token "$GOBIZ_PG")"
  warm - "$GOBIZ_PG$CATALOG_PATH" -H "$AUTH_PG"
  warm - "$GOBIZ_PG$LINKED_PATH" -H "$AUTH_PG"
  warm - "$GOBIZ_PG$OUTLET_PATH" -H "$AUTH_PG"
  warm - "$GOBIZ_PG$TOKENINFO_PATH" -H "$USER_PG"
  warm - "$GOBIZ_PG/oauth2/token" -s "$TOKEN_LUA"
fi
warm - "$BARE$CATALOG_PATH"
warm - "$BARE$LINKED_PATH"
warm - "$BARE$OUTLET_PATH"
warm - "$BARE$TOKENINFO_PATH"
warm - "$PRISM$CATALOG_PATH" -H "Authorization: Bearer x"
warm - "$OIDC/token" -s "$TOKEN_LUA"

say "measuring: wrk $WRK_VERSION -t1 -c$CONNS -d${SECS}s, $ROUNDS rounds"
for round in $(seq 1 "$ROUNDS"); do
  AUTH_SQLITE="Authorization: Bearer $(gobiz_token "$GOBIZ_SQLITE")"
  USER_SQLITE="Authorization: Bearer $(user_token "$GOBIZ_SQLITE")"
  G_CATALOG=('measure gobiz-sqlite-catalog $round "$GOBIZ_SQLITE$CATALOG_PATH" -H "$AUTH_SQLITE"')
  G_LINKED=('measure gobiz-sqlite-linked $round "$GOBIZ_SQLITE$LINKED_PATH" -H "$AUTH_SQLITE"')
  G_OUTLET=('measure gobiz-sqlite-outlet $round "$GOBIZ_SQLITE$OUTLET_PATH" -H "$AUTH_SQLITE"')
  G_TOKENINFO=('measure gobiz-sqlite-tokeninfo $round "$GOBIZ_SQLITE$TOKENINFO_PATH" -H "$USER_SQLITE"')
  G_TOKEN=('measure gobiz-sqlite-token $round "$GOBIZ_SQLITE/oauth2/token" -s "$TOKEN_LUA"')
  if [ -n "$GOBIZ_PG" ]; then
    AUTH_PG="Authorization: Bearer $(gobiz_token "$GOBIZ_PG")"
    USER_PG="Authorization: Bearer $(user_token "$GOBIZ_PG")"
    G_CATALOG+=('measure gobiz-pg-catalog $round "$GOBIZ_PG$CATALOG_PATH" -H "$AUTH_PG"')
    G_LINKED+=('measure gobiz-pg-linked $round "$GOBIZ_PG$LINKED_PATH" -H "$AUTH_PG"')
    G_OUTLET+=('measure gobiz-pg-outlet $round "$GOBIZ_PG$OUTLET_PATH" -H "$AUTH_PG"')
    G_TOKENINFO+=('measure gobiz-pg-tokeninfo $round "$GOBIZ_PG$TOKENINFO_PATH" -H "$USER_PG"')
    G_TOKEN+=('measure gobiz-pg-token $round "$GOBIZ_PG/oauth2/token" -s "$TOKEN_LUA"')
  fi
  in_order "$round" "${G_CATALOG[@]}" \
    'measure bare-catalog $round "$BARE$CATALOG_PATH"' \
    'measure prism-catalog $round "$PRISM$CATALOG_PATH" -H "Authorization: Bearer x"'
  in_order "$round" "${G_LINKED[@]}" 'measure bare-linked $round "$BARE$LINKED_PATH"'
  in_order "$round" "${G_OUTLET[@]}" 'measure bare-outlet $round "$BARE$OUTLET_PATH"'
  in_order "$round" "${G_TOKENINFO[@]}" 'measure bare-tokeninfo $round "$BARE$TOKENINFO_PATH"'
  in_order "$round" "${G_TOKEN[@]}" 'measure oidc-token $round "$OIDC/token" -s "$TOKEN_LUA"'
done

# --- table ----------------------------------------------------------------------------------
# median KEY FIELD (2 rps, 3 p50, 4 p99)
median() {
  awk -v k="$1" -v f="$2" '$1==k{print $f}' "$RESULTS" | sort -g \
    | awk '{a[NR]=$1} END{ if (NR==0) {print "-"; exit} if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2 }'
}
fmt_rps() { awk -v n="$1" 'BEGIN{ n=sprintf("%.0f", n); s=""; while (length(n)>3) { s="," substr(n, length(n)-2) s; n=substr(n, 1, length(n)-3) } print n s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b<=0) print "-"; else if (a/b>=10) printf "%.0f×", a/b; else printf "%.2f×", a/b }'; }

KIB=$(awk -v b="$CATALOG_BYTES" 'BEGIN{printf "%.0f", b/1024}')
row() { # LABEL GOBIZ-KEY PEER-LABEL PEER-KEY
  local g p
  g=$(median "$2" 2); p=$(median "$4" 2)
  printf '| %s | %s | %s / %s | %s | %s | %s / %s | %s |\n' "$1" "$(fmt_rps "$g")" "$(median "$2" 3)" "$(median "$2" 4)" \
    "$3" "$(fmt_rps "$p")" "$(median "$4" 3)" "$(median "$4" 4)" "$(ratio "$g" "$p")"
}

echo
echo "Peer benchmark: wrk $WRK_VERSION -t1 -c$CONNS -d${SECS}s, medians of $ROUNDS alternating rounds, $(nproc) cores, $(date -u +%Y-%m-%d)."
echo
echo "| Workload | gobiz req/s | gobiz p50 / p99 ms | peer | peer req/s | peer p50 / p99 ms | gobiz ÷ peer |"
echo "|---|---|---|---|---|---|---|"
for engine in sqlite pg; do
  if [ "$engine" = pg ]; then [ -n "$GOBIZ_PG" ] || continue; on=" (PostgreSQL)"; else on=""; fi
  row "\`GET v2/catalog\`, 300 items, $KIB KiB$on" "gobiz-$engine-catalog" "bare axum, same bytes" bare-catalog
  row "\`GET v2/catalog\`$on" "gobiz-$engine-catalog" "Prism $PRISM_VERSION mock, $PRISM_SAME" prism-catalog
  row "\`GET linked-outlets\` ($LINKED_BYTES bytes)$on" "gobiz-$engine-linked" "bare axum, same bytes" bare-linked
  row "\`GET outlets/{id}/v1\` (outlet info, $OUTLET_BYTES bytes)$on" "gobiz-$engine-outlet" "bare axum, same bytes" bare-outlet
  row "\`GET token-info\` ($TOKENINFO_BYTES bytes, user token)$on" "gobiz-$engine-tokeninfo" "bare axum, same bytes" bare-tokeninfo
  row "client-credentials token$on" "gobiz-$engine-token" "oidc-provider $OIDC_VERSION (in memory)" oidc-token
done
echo
echo "req/s: median of the rounds; p50 / p99: medians of each run's wrk percentiles. gobiz on SQLite$([ -n "$GOBIZ_PG" ] && echo ' and PostgreSQL'), $BUILT, RUST_LOG=${GOBIZ_BENCH_RUST_LOG:-warn}; reads with a client-credentials token (scopes $READ_SCOPES), token-info with a user token (authorization code, scope openid $SCOPE); token: client_secret_basic, scope $SCOPE; Node $(node --version)."
if [ -n "$FAILED_RUNS" ]; then
  echo
  echo "Failed requests (non-2xx, or wrk's socket errors such as its 2 s timeout; wrk counts them in req/s):$FAILED_RUNS"
fi
