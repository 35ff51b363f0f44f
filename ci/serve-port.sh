# Sourced by CI scripts: serve_port LOG PID waits until `shapesim serve` (process PID, output in
# LOG) says "listening on", and prints its port. Waits up to 60 s while the process lives:
# under --pg, creating the replication slot waits for the database's running transactions
# (another test's), which took over 5 s on a loaded 2-core CI machine. Returns 1 (printing
# nothing) if the process died or never listened.
serve_port() {
  local log="$1" pid="$2"
  for _ in $(seq 1 1200); do
    if grep -q "listening on" "$log" 2>/dev/null; then
      sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$log" | head -1
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
