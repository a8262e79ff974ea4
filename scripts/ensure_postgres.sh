#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests: use the one running,
# else install Debian's and start it. Tests connect as postgres/postgres to database `test`.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || python3 - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 5432)) == 0 else 1)
PY
}
if ready; then exit 0; fi
echo "PostgreSQL is not running on 127.0.0.1:5432: installing and starting it"
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
fi
version=$(ls /etc/postgresql | sort -n | tail -1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
for _ in $(seq 30); do ready && break; sleep 1; done
su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 || createdb test"
ready
