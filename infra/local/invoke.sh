#!/usr/bin/env bash
# Runs a built function (build/local/<fn>/bootstrap) under the Lambda runtime
# interface emulator — the emulator sam local uses inside its container — with
# the local stack's configuration, sends it one event and prints the answer.
# Usage: infra/local/invoke.sh <function> <event.json>   (make invoke does this)
set -euo pipefail

fn=${1:?function folder, e.g. intake-web}
event=${2:?event file, e.g. events/intake-web-get-form.json}
env_file=${LOCAL_ENV_FILE:-.local/env}
port=${RIE_PORT:-9080}
api_port=${RIE_RUNTIME_API_PORT:-9081}
bootstrap=build/local/$fn/bootstrap

[[ -x $bootstrap ]] || { echo "no $bootstrap: run make build-local" >&2; exit 1; }
[[ -f $event ]] || { echo "no event file $event" >&2; exit 1; }
[[ -f $env_file ]] || { echo "no $env_file: start the local stack first with make run (in another terminal)" >&2; exit 1; }

set -a
# shellcheck disable=SC1090
source "$env_file"
set +a
export AWS_LAMBDA_FUNCTION_NAME=$fn AWS_LAMBDA_LOG_FORMAT=JSON

bin/aws-lambda-rie --runtime-interface-emulator-address "127.0.0.1:$port" --runtime-api-address "127.0.0.1:$api_port" "$bootstrap" >"${TMPDIR:-/tmp}/rie-$fn.log" 2>&1 &
rie=$!
trap 'kill $rie 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done

curl -sS --fail-with-body -X POST "http://127.0.0.1:$port/2015-03-31/functions/function/invocations" --data-binary "@$event"
echo
