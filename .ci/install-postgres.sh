#!/usr/bin/env bash
# PostgreSQL for the store contract and end-to-end tests on PostgreSQL.
# Debian's postgresql (15 on bookworm); the tests start their own throwaway cluster with
# initdb + pg_ctl as the postgres user (sweeplab.testing.postgres), so the packaged service
# is not needed and is not started. Idempotent: a second run only re-checks.
set -euo pipefail
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends postgresql
fi
ls /usr/lib/postgresql/*/bin/initdb
id postgres > /dev/null
