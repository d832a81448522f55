#!/usr/bin/env bash
# Starts `npm start` on a spare port with the state it finds (fresh in CI),
# runs the curl line it prints and expects HTTP 200, then runs `npm run demo`
# against it (a whole try-on, offline) and expects a result image; then stops it.
set -u
cd "$(dirname "$0")/.."
port="${SMOKE_PORT:-8911}"
log=.tmp/smoke-start.log
mkdir -p .tmp
# Its own process group, so the cleanup ends npm, start.mjs, wrangler and workerd by id, nothing else.
setsid npm start -- --port "${port}" >"${log}" 2>&1 &
pid=$!
cleanup() { kill -- "-${pid}" 2>/dev/null; wait "${pid}" 2>/dev/null; }
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
rm -f demo-output/result.jpg
if ! DRAPE_BASE_URL="http://127.0.0.1:${port}" timeout 120 npm run -s demo >.tmp/smoke-demo.log 2>&1; then
  echo "npm run demo failed:"; tail -30 .tmp/smoke-demo.log; tail -20 "${log}"; exit 1
fi
if [ ! -s demo-output/result.jpg ]; then echo "npm run demo wrote no demo-output/result.jpg"; tail -30 .tmp/smoke-demo.log; exit 1; fi
echo "smoke: npm run demo → $(tail -1 .tmp/smoke-demo.log)"
echo "smoke: ok"
