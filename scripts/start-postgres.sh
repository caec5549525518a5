#!/usr/bin/env bash
# Installs (Debian packages) and starts a local PostgreSQL for the ledger tests, and creates the
# role and database they use. Prints the connection string the tests read from
# EXPORTCTL_TEST_POSTGRES. Idempotent.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends postgresql
fi
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q .; then
  pg_createcluster "$ver" main >/dev/null
fi
cluster=$(pg_lsclusters -h | head -1)
cver=$(echo "$cluster" | awk '{print $1}'); cname=$(echo "$cluster" | awk '{print $2}')
pg_ctlcluster "$cver" "$cname" start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qAtc \"do \\\$\\\$ begin if not exists (select from pg_roles where rolname='exportctl') then create role exportctl login password 'exportctl'; end if; end \\\$\\\$;\"" >/dev/null
su postgres -c "psql -qAtc \"select 1 from pg_database where datname='exportctl_test'\"" | grep -q 1 ||
  su postgres -c "createdb -O exportctl exportctl_test"
echo "postgresql://exportctl:exportctl@127.0.0.1:5432/exportctl_test"
