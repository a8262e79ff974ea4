#!/usr/bin/env bash
# Make sure a Redis server answers on 127.0.0.1:6379 for the rate-limit tests (tests/channel/test_limits.py): use
# the one running, else install Debian's and start it, on the loopback only and without persistence.
set -euo pipefail
ready() { python3 - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect(("127.0.0.1", 6379)); s.sendall(b"PING\r\n"); sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PY
}
if ready; then exit 0; fi
echo "Redis is not running on 127.0.0.1:6379: installing and starting it"
if ! command -v redis-server >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
fi
redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no
for _ in $(seq 30); do ready && break; sleep 1; done
ready
