#!/usr/bin/env bash
# CI-only: fuzz the running demo server against openapi/lantern.yaml with schemathesis (PyPI):
# valid and invalid inputs, a bounded number per operation, and four checks: no 5xx, every status
# documented, every content type documented, every body matching its schema.
# Usage: .ci/schemathesis.sh [MAX_EXAMPLES]   (after `make test` built .build/debug/lantern)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-50}"

python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5' >&2
scratch="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid"; wait "$server_pid" || true; fi
    rm -rf "$scratch"
}
trap cleanup EXIT

.build/debug/lantern serve --demo --port 0 --data "$scratch/data" >"$scratch/out" 2>"$scratch/err" &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q "(Ctrl-C stops)" "$scratch/out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$scratch/err" >&2; echo "schemathesis: the server did not start" >&2; exit 1; }
    sleep 0.2
done
base="$(grep -o 'http://127\.0\.0\.1:[0-9]*/api/v1' "$scratch/out" | tail -1)"
token="$(awk '$1 == "admin" { print $2 }' "$scratch/out")"
[ -n "$base" ] && [ -n "$token" ] || { cat "$scratch/out" >&2; echo "schemathesis: no address or admin token printed" >&2; exit 1; }

echo "schemathesis: fuzzing $base with $examples examples per operation" >&2
schemathesis run openapi/lantern.yaml --url "$base" -H "Authorization: Bearer $token" \
    --mode all --max-examples "$examples" --seed 20261122 --workers 1 \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --request-timeout 10 --no-color

# The server must still be up and stop cleanly.
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""
grep -q "stopped" "$scratch/err" || { tail -5 "$scratch/err" >&2; echo "schemathesis: the server did not stop cleanly" >&2; exit 1; }
echo "schemathesis: passed; the server stopped cleanly" >&2
