#!/usr/bin/env bash
# Starts `npm start` on a spare port with the state it finds (fresh in CI),
# runs the curl line it prints and expects HTTP 200; then stops it.
set -u
cd "$(dirname "$0")/.."
port="${SMOKE_PORT:-8911}"
log=.tmp/smoke-start.log
mkdir -p .tmp
npm start -- --port "${port}" >"${log}" 2>&1 &
pid=$!
cleanup() { kill "${pid}" 2>/dev/null; pkill -f "wrangler.js dev --port ${port}" 2>/dev/null; wait "${pid}" 2>/dev/null; }
trap cleanup EXIT
for _ in $(seq 1 180); do
  grep -q "curl -s" "${log}" && break
  kill -0 "${pid}" 2>/dev/null || break
  sleep 0.5
done
line=$(grep -m1 "curl -s" "${log}" | sed 's/^ *//')
if [ -z "${line}" ]; then
  echo "npm start printed no curl line:"; tail -40 "${log}"; exit 1
fi
status=$(eval "${line/curl -s/curl -s -o .tmp/smoke-body.json -w %\{http_code\}}")
echo "smoke: ${line%%-H*} → ${status}"
if [ "${status}" != "200" ]; then cat .tmp/smoke-body.json; tail -40 "${log}"; exit 1; fi
echo "smoke: ok"
