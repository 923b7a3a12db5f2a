#!/usr/bin/env bash
# Static checks of the Docker files (no Docker engine runs in CI, so nothing is
# built or started here):
#   - docker/docker-compose.yml is valid for Compose (docker-compose v1, or the
#     `docker compose` plugin when that is what is installed), with placeholder
#     secrets, and refuses to render when a required secret is missing;
#   - the inline script of the prometheus-rules-sync service parses as sh;
#   - the sources that docker/Dockerfile copies from the build context exist and
#     are not excluded by .dockerignore;
#   - docker/prometheus.yml passes `promtool check config`;
#   - the data plane's metrics listener is bound on the compose network, scraped
#     there by Prometheus, and its port is not published.
# Needs: docker-compose (apt-get install docker-compose) or the docker compose
# plugin, promtool (apt-get install prometheus), python3 with PyYAML (a
# dependency of docker-compose; the sh check is skipped without it).
set -euo pipefail
cd "$(dirname "$0")/.."

compose_file=docker/docker-compose.yml
dockerfile=docker/Dockerfile
prometheus_config=docker/prometheus.yml

fail() {
  echo "check-docker: FAILED: $*" >&2
  exit 1
}

if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  fail "neither docker-compose nor the docker compose plugin is installed (apt-get install docker-compose)"
fi
command -v promtool >/dev/null 2>&1 || fail "promtool is not installed (apt-get install prometheus)"

# Placeholder secrets: the values only have to satisfy the ${VAR:?} guards.
export POSTGRES_PASSWORD=check-docker-placeholder
export KRYONIX_OPERATOR_TOKEN=check-docker-placeholder-token
export KRYONIX_MASTER_KEY=0000000000000000000000000000000000000000000000000000000000000000

echo "== ${compose[*]} ($("${compose[@]}" version --short 2>/dev/null || echo unknown version)): $compose_file"
"${compose[@]}" -f "$compose_file" config -q || fail "$compose_file is not a valid Compose file"
services=$("${compose[@]}" -f "$compose_file" config --services | sort | tr '\n' ' ')
echo "valid; services: $services"
for service in postgres redis control-plane data-plane prometheus-rules-sync prometheus; do
  [[ " $services " == *" $service "* ]] || fail "$compose_file has no service $service"
done

echo "== $compose_file refuses to render without POSTGRES_PASSWORD"
if (unset POSTGRES_PASSWORD && "${compose[@]}" -f "$compose_file" config -q) >/dev/null 2>&1; then
  fail "$compose_file renders without POSTGRES_PASSWORD (its \${POSTGRES_PASSWORD:?} guard is missing)"
fi
echo "ok: it fails as it should"

echo "== sh -n: the command of prometheus-rules-sync"
if python3 -c 'import yaml' >/dev/null 2>&1; then
  script=$(python3 - "$compose_file" <<'EOF'
import sys, yaml
with open(sys.argv[1]) as f:
    command = yaml.safe_load(f)["services"]["prometheus-rules-sync"]["command"]
# Compose turns "$$" into a literal "$" before the container sees the command.
print(command[-1].replace("$$", "$"))
EOF
  )
  sh -n -c "$script" || fail "the command of prometheus-rules-sync is not valid sh"
  echo "ok"
else
  echo "skipped: python3 with PyYAML is not available"
fi

echo "== the data plane's metrics: a listener on the compose network, scraped there, never published"
if python3 -c 'import yaml' >/dev/null 2>&1; then
  python3 - "$compose_file" "$prometheus_config" <<'EOF' || fail "the data plane's metrics listener is exposed wrongly (see above)"
import sys, yaml
with open(sys.argv[1]) as f:
    service = yaml.safe_load(f)["services"]["data-plane"]
with open(sys.argv[2]) as f:
    jobs = {j["job_name"]: j for j in yaml.safe_load(f)["scrape_configs"]}
env = service.get("environment", {})
port = str(env.get("KRYONIX_DATA_METRICS_PORT", ""))
host = str(env.get("KRYONIX_DATA_METRICS_HOST", "127.0.0.1"))
tenant_port = str(env.get("KRYONIX_DATA_PORT", "8443"))
problems = []
if not port or port in ("0", tenant_port):
    problems.append(f"KRYONIX_DATA_METRICS_PORT must be a fixed port apart from the tenant port, not {port!r}")
if host.startswith("127.") or host == "::1":
    problems.append(f"KRYONIX_DATA_METRICS_HOST={host} is loopback: Prometheus cannot reach it over the compose network")
published = [str(p) for p in service.get("ports", [])]
if any(p.split(":")[-1].split("/")[0] == port for p in published):
    problems.append(f"the metrics port {port} is published ({published}); only expose it")
targets = [t for c in jobs.get("kryonix-data-plane", {}).get("static_configs", []) for t in c.get("targets", [])]
if targets != [f"data-plane:{port}"]:
    problems.append(f"job kryonix-data-plane scrapes {targets}, not data-plane:{port}")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
  echo "ok: data-plane:$(python3 -c 'import sys,yaml;print(yaml.safe_load(open(sys.argv[1]))["services"]["data-plane"]["environment"]["KRYONIX_DATA_METRICS_PORT"])' "$compose_file"), not published"
else
  echo "skipped: python3 with PyYAML is not available"
fi

echo "== build context sources of $dockerfile"
checked=0
while read -r -a words; do
  [[ ${#words[@]} -ge 3 ]] || continue
  [[ "${words[0]}" == COPY ]] || continue
  [[ "${words[1]}" == --from=* ]] && continue
  # COPY [--chown=...] <src>... <dest>
  srcs=()
  for word in "${words[@]:1}"; do
    [[ "$word" == --* ]] || srcs+=("$word")
  done
  unset 'srcs[${#srcs[@]}-1]'
  for src in "${srcs[@]}"; do
    [[ -e "$src" ]] || fail "$dockerfile copies $src, which does not exist"
    if grep -qxF -- "$src" .dockerignore 2>/dev/null; then
      fail "$dockerfile copies $src, which .dockerignore excludes"
    fi
    checked=$((checked + 1))
  done
done < "$dockerfile"
[[ $checked -gt 0 ]] || fail "found no COPY from the build context in $dockerfile"
echo "ok: $checked paths exist and are not ignored"

echo "== promtool check config $prometheus_config"
promtool check config "$prometheus_config" || fail "$prometheus_config is not a valid Prometheus configuration"

echo "check-docker: all checks passed (static validation only; nothing was built or run)"
