#!/usr/bin/env bash
# Sandbox throughput with keep-alive: `paygen serve` (release) on loopback, loaded by wrk
# with one real signed wantu query (a paid order's status: verify, look up, encode and
# sign the reply, no new state per request). Prints wrk's requests/s and latency.
# A measurement, not a test: it is not part of .ci/run. On the 2-core development VM
# shared with other builds: 23 899 and 27 535 requests/s in two runs, latency p50 about
# 2.1–2.4 ms, p99 9–10 ms (README, "Performance").
# Usage: scripts/bench-sandbox.sh [SECONDS] [CONNECTIONS] [THREADS] (default 10 64 2)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
connections="${2:-64}"
threads="${3:-2}"

if ! command -v wrk >/dev/null 2>&1; then
    echo "== installing wrk (Debian package)"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get install -y wrk >/dev/null 2>&1 || {
        $sudo apt-get update >/dev/null
        $sudo apt-get install -y wrk >/dev/null
    }
fi

echo "== building paygen (release)"
cargo build -q --release --bin paygen
paygen=target/release/paygen

work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Every request line goes to a file, as an operator would keep it; wrk never reads it.
"$paygen" serve --addr 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server=$!
base=""
for _ in $(seq 1 100); do
    base="$(sed -n 's/^listening on //p' "$work/serve.log" | head -n1)"
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || { echo "paygen serve did not start:"; cat "$work/serve.log"; exit 1; }
echo "== paygen serve at $base"

# The sandbox's default wantu credentials (paygen serve --help): `sandbox-<name>` padded
# with 0 to 32 characters.
stand_in() {
    local text="sandbox-$1"
    while [ "${#text}" -lt 32 ]; do text="${text}0"; done
    printf '%s' "$text"
}
credentials="{\"merchant_account\":\"$(stand_in merchant_account)\",\"store_account\":\"$(stand_in store_account)\",\"key\":\"$(stand_in key)\"}"

# Renders an operation with `paygen request` (plain form: request line, headers, blank
# line, body) into $work/<op>.body and $work/<op>.headers.
render() {
    local op="$1" params="$2"
    "$paygen" request specs/wantu.yaml "$op" --credentials "$credentials" --params "$params" \
        >"$work/$op.http"
    sed -n '2,/^$/p' "$work/$op.http" | sed '/^$/d' >"$work/$op.headers"
    sed '1,/^$/d' "$work/$op.http" >"$work/$op.body"
}

# POSTs a rendered operation to the sandbox with curl; prints the reply body.
post() {
    local op="$1" headers=() line
    while IFS= read -r line; do headers+=(-H "$line"); done <"$work/$op.headers"
    curl -sS -X POST "${headers[@]}" --data-binary @"$work/$op.body" "$base/wantu/$op"
}

order="WRK$(date +%s)$$"
render pospay "{\"pay_channel\":\"1\",\"total_fee\":\"1000\",\"subject\":\"goods\",\"out_trade_no\":\"$order\",\"auth_code\":\"134674074004982976\",\"fee_type\":\"CNY\",\"notify_url\":\"http://127.0.0.1:9/notify\"}"
paid="$(post pospay)"
case "$paid" in
    *'"return_code":200'*) echo "== order $order paid" ;;
    *) echo "pospay refused: $paid"; exit 1 ;;
esac

render query "{\"pay_channel\":\"1\",\"out_trade_no\":\"$order\"}"
{
    echo 'wrk.method = "POST"'
    printf 'wrk.body = [==[%s]==]\n' "$(cat "$work/query.body")"
    while IFS= read -r line; do
        printf 'wrk.headers[ [==[%s]==] ] = [==[%s]==]\n' "${line%%: *}" "${line#*: }"
    done <"$work/query.headers"
} >"$work/query.lua"
answer="$(post query)"
case "$answer" in
    *'"return_code":200'*) ;;
    *) echo "query refused: $answer"; exit 1 ;;
esac

echo "== wrk -t$threads -c$connections -d${duration}s --latency POST $base/wantu/query ($(nproc) cores)"
wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s "$work/query.lua" "$base/wantu/query"
# The sandbox logs one line per request (in batches: let the last one land). Every query
# must have been answered, none refused.
sleep 0.5
answered="$(grep -c 'wantu.query ok$' "$work/serve.log" || true)"
replies="$(grep -c -e ' -> ' "$work/serve.log" || true)"
others=$((replies - answered - 1))
echo "== sandbox: $answered queries answered ok, $others other replies (the pospay excluded)"
[ "$others" -eq 0 ]
