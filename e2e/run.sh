#!/usr/bin/env bash
# snowtrail end-to-end suite on kind. Every step is described in docs/e2e.md.
#
#   e2e/run.sh            run what this machine can: helm lint/template where helm exists, the
#                         cluster suite where a Docker engine, kind, kubectl and helm all exist
#   e2e/run.sh --check    only report which tools exist (exit 0)
#   e2e/run.sh --plan     print the steps the cluster suite runs, run nothing
#
# Env: E2E_CLUSTER (default snowtrail-e2e), E2E_KEEP=1 keeps the cluster afterwards (and reuses an
# existing one), KIND_NODE_IMAGE, MINIO_IMAGE, MC_IMAGE, E2E_TIMEOUT (seconds per wait, default 300).
#
# Where a tool is missing the script says exactly which and exits 0: it never reports a check it did
# not run as passed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

CLUSTER=${E2E_CLUSTER:-snowtrail-e2e}
IMAGE=ghcr.io/snowtrail/snowtrail:e2e
PIPELINE_IMAGE=snowtrail-e2e-pipeline:e2e
MINIO_IMAGE=${MINIO_IMAGE:-quay.io/minio/minio:RELEASE.2024-12-18T13-15-44Z}
MC_IMAGE=${MC_IMAGE:-quay.io/minio/mc:RELEASE.2024-11-21T17-21-54Z}
TIMEOUT=${E2E_TIMEOUT:-300}
RELEASE=snowtrail
OPERATOR_NS=snowtrail-system
INFRA_NS=snowtrail-e2e-infra
APP_NS=pipelines
CHART=charts/snowtrail
CRD_CHART=charts/snowtrail-crds
KIND_VALUES=e2e/chart-fixtures/good-values/e2e-kind.yaml

log() { printf '[e2e] %s\n' "$*"; }
STEP=0
step() { STEP=$((STEP + 1)); printf '\n[e2e] == step %d: %s\n' "$STEP" "$*"; }
pass() { printf '[e2e]    PASS %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------
# Tool detection
# ---------------------------------------------------------------------------------------------
# The line of `docker info` output that says why the engine is unreachable (else its first line).
first_error_line() {
  printf '%s\n' "$1" | awk 'tolower($0) ~ /cannot connect|error|denied/ && !f { print; f = 1 } END { if (!f) print "no output" }'
}

declare -A HAVE=()
declare -A WHY=()
detect_tools() {
  if command -v docker >/dev/null 2>&1; then
    local info
    if info=$(docker info --format '{{.ServerVersion}}' 2>&1); then
      HAVE[docker]=yes; WHY[docker]="engine $info"
    else
      HAVE[docker]=no
      WHY[docker]="client present but no engine answers 'docker info' ($(first_error_line "$info"))"
    fi
  else
    HAVE[docker]=no; WHY[docker]="no docker command on PATH"
  fi
  for tool in kind kubectl helm; do
    if command -v "$tool" >/dev/null 2>&1; then
      HAVE[$tool]=yes
      case $tool in
        # sed (not head) reads to the end: with pipefail, head's early exit would SIGPIPE the tool.
        kind) WHY[$tool]=$(kind version 2>/dev/null | sed -n 1p) ;;
        kubectl) WHY[$tool]=$(kubectl version --client 2>/dev/null | sed -n 1p) ;;
        helm) WHY[$tool]=$(helm version --short 2>/dev/null | sed -n 1p) ;;
      esac
    else
      HAVE[$tool]=no; WHY[$tool]="not installed (no $tool on PATH)"
    fi
  done
}

report_tools() {
  log "tools:"
  for tool in docker kind kubectl helm; do
    local label=$tool
    [ "$tool" = docker ] && label="docker engine"
    if [ "${HAVE[$tool]}" = yes ]; then printf '[e2e]    %-14s available: %s\n' "$label" "${WHY[$tool]}"
    else printf '[e2e]    %-14s MISSING: %s\n' "$label" "${WHY[$tool]}"; fi
  done
}

missing_for_cluster() {
  local out=()
  for tool in docker kind kubectl helm; do [ "${HAVE[$tool]}" = yes ] || out+=("$([ "$tool" = docker ] && echo 'docker engine' || echo "$tool")"); done
  printf '%s\n' "${out[@]+"${out[@]}"}"
}

PLAN=(
  "create the kind cluster '$CLUSTER' from kind-config.yaml (reused with E2E_KEEP=1)"
  "build $IMAGE from Dockerfile and $PIPELINE_IMAGE from e2e/pipeline/, kind load both"
  "install MinIO and the snowtrail emulator in '$INFRA_NS'; create the bucket with Object Lock and prove a locked object cannot be deleted"
  "helm install the chart in '$OPERATOR_NS' with $KIND_VALUES; wait for the operator rollout and the webhook's caBundle"
  "label namespace '$APP_NS' snowtrail.dev/injection=enabled; create the credential, signing-key and store Secrets"
  "apply e2e/manifests/policy.yaml; wait until the policy is Ready"
  "run the Job e2e-pipeline (snowflake-sdk configured only from the injected env); assert it completes with all statements as expected"
  "assert the denied statements were denied (pipeline output) and counted (sidecar metric outcome=\"denied\")"
  "assert the un-annotated pod e2e-plain is untouched (no sidecar, no status annotation, no injected env)"
  "run the Deployment e2e-service; scrape its sidecar's /metrics through the API server proxy"
  "run 'snowtrail sessions list/verify' against MinIO in a Job; assert the Job's session is there and verifies"
  "delete the cluster (unless E2E_KEEP=1)"
)

print_plan() {
  local i=0
  for s in "${PLAN[@]}"; do i=$((i + 1)); printf '[e2e]    %2d. %s\n' "$i" "$s"; done
}

# ---------------------------------------------------------------------------------------------
# Helm static checks (need only helm)
# ---------------------------------------------------------------------------------------------
helm_checks() {
  step "helm lint and helm template"
  helm lint "$CHART" --strict
  for f in e2e/chart-fixtures/good-values/*.yaml; do
    helm lint "$CHART" --strict -f "$f" >/dev/null
    helm template "$RELEASE" "$CHART" --namespace "$OPERATOR_NS" -f "$f" >/dev/null
    pass "lint + template with $f"
  done
  helm template "$RELEASE" "$CHART" --namespace "$OPERATOR_NS" >/dev/null
  pass "template with the defaults"
  # The chart's schema must reject what the jest test says it rejects, in real helm too.
  for f in e2e/chart-fixtures/bad-values/*.yaml; do
    if helm template "$RELEASE" "$CHART" -f "$f" >/dev/null 2>&1; then
      echo "[e2e]    FAIL helm accepted $f" >&2; return 1
    fi
  done
  pass "helm rejects every bad-values file"
  helm lint "$CRD_CHART" --strict
  contains "$(helm template snowtrail-crds "$CRD_CHART")" 'helm.sh/resource-policy: keep'
  pass "the CRD chart renders the CRDs as templates, kept on uninstall"
}

# ---------------------------------------------------------------------------------------------
# Cluster suite
# ---------------------------------------------------------------------------------------------
KUBECTL=(kubectl --context "kind-$CLUSTER")
k() { "${KUBECTL[@]}" "$@"; }

diagnostics() {
  set +e
  log "---- diagnostics ----"
  k get pods -A -o wide
  k -n "$OPERATOR_NS" logs deploy/"$RELEASE" --tail=100
  k -n "$APP_NS" get snowflakeaccesspolicies -o yaml
  k -n "$APP_NS" get events --sort-by=.lastTimestamp | tail -n 30
  for pod in $(k -n "$APP_NS" get pods -o name); do
    log "logs of $pod"
    k -n "$APP_NS" logs "$pod" --all-containers --tail=80
  done
}

cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then diagnostics || true; fi
  if [ "${E2E_KEEP:-0}" != 1 ] && [ "${CREATED_CLUSTER:-0}" = 1 ]; then
    log "deleting cluster $CLUSTER"
    kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
  fi
  exit $rc
}

# Substring test without a pipe: `cmd | grep -q` under pipefail fails when grep exits first (SIGPIPE).
contains() { [[ "$1" == *"$2"* ]]; }

subst() { sed -e "s|__IMAGE__|$IMAGE|g" -e "s|__PIPELINE_IMAGE__|$PIPELINE_IMAGE|g" -e "s|__MINIO_IMAGE__|$MINIO_IMAGE|g" -e "s|__MC_IMAGE__|$MC_IMAGE|g" "$1"; }

wait_for() { # description, command...
  local what=$1; shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "[e2e]    FAIL timed out waiting for $what" >&2; return 1; fi
    sleep 2
  done
}

metric_value() { # metrics-text, metric-name, label-substring → sum of matching samples
  printf '%s\n' "$1" | awk -v m="$2" -v l="$3" 'index($0, m) == 1 && index($0, l) > 0 { s += $NF } END { printf "%d", s }'
}

cluster_suite() {
  trap cleanup EXIT
  step "kind cluster $CLUSTER"
  if contains $'\n'"$(kind get clusters 2>/dev/null)"$'\n' $'\n'"$CLUSTER"$'\n'; then
    log "reusing existing cluster $CLUSTER"
  else
    kind create cluster --config kind-config.yaml --name "$CLUSTER" ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"} --wait 120s
    CREATED_CLUSTER=1
  fi
  k version | sed 's/^/[e2e]    /'

  step "build and load images"
  docker build -t "$IMAGE" .
  docker build -t "$PIPELINE_IMAGE" e2e/pipeline
  kind load docker-image "$IMAGE" "$PIPELINE_IMAGE" --name "$CLUSTER"
  docker run --rm "$IMAGE" --version | sed 's/^/[e2e]    image version: /'

  step "MinIO with Object Lock and the emulator in $INFRA_NS"
  k create namespace "$INFRA_NS" --dry-run=client -o yaml | k apply -f -
  MINIO_PASSWORD=$(node -e "console.log(require('crypto').randomBytes(18).toString('base64url'))")
  SIDECAR_PASSWORD=$(node -e "console.log(require('crypto').randomBytes(18).toString('base64url'))")
  k -n "$INFRA_NS" create secret generic minio-root --from-literal=user=e2e-admin --from-literal=password="$MINIO_PASSWORD" --dry-run=client -o yaml | k apply -f -
  k -n "$INFRA_NS" create secret generic emulator-user --from-literal=password="$SIDECAR_PASSWORD" --dry-run=client -o yaml | k apply -f -
  subst e2e/manifests/infra.yaml | k apply -f -
  k -n "$INFRA_NS" rollout status deploy/minio --timeout="${TIMEOUT}s"
  k -n "$INFRA_NS" rollout status deploy/snowtrail-emulator --timeout="${TIMEOUT}s"
  k -n "$INFRA_NS" wait --for=condition=complete job/minio-setup --timeout="${TIMEOUT}s"
  contains "$(k -n "$INFRA_NS" logs job/minio-setup)" OBJECT_LOCK_ENFORCED
  pass "bucket snowtrail-recordings has Object Lock; a locked object cannot be deleted"

  step "install the charts (CRDs first, as docs/quickstart.md does)"
  helm upgrade --install snowtrail-crds "$CRD_CHART" --kube-context "kind-$CLUSTER" --namespace "$OPERATOR_NS" --create-namespace --wait
  helm upgrade --install "$RELEASE" "$CHART" --kube-context "kind-$CLUSTER" --namespace "$OPERATOR_NS" --create-namespace --skip-crds \
    -f "$KIND_VALUES" --wait --timeout "${TIMEOUT}s"
  k -n "$OPERATOR_NS" rollout status deploy/"$RELEASE" --timeout="${TIMEOUT}s"
  wait_for "the webhook caBundle" sh -c "${KUBECTL[*]} get mutatingwebhookconfiguration $RELEASE -o jsonpath='{.webhooks[0].clientConfig.caBundle}' | grep -q ."
  pass "operator ready, webhook has a caBundle"

  step "namespace $APP_NS and its Secrets"
  k create namespace "$APP_NS" --dry-run=client -o yaml | k apply -f -
  k label namespace "$APP_NS" snowtrail.dev/injection=enabled --overwrite
  k -n "$APP_NS" create secret generic snowflake-e2e --from-literal=password="$SIDECAR_PASSWORD" --dry-run=client -o yaml | k apply -f -
  k -n "$APP_NS" create secret generic e2e-store --from-literal=AWS_ACCESS_KEY_ID=e2e-admin --from-literal=AWS_SECRET_ACCESS_KEY="$MINIO_PASSWORD" --dry-run=client -o yaml | k apply -f -
  SIGNING_KEY=$(node -e "const {generateKeyPairSync}=require('crypto');process.stdout.write(generateKeyPairSync('ec',{namedCurve:'P-256'}).privateKey.export({type:'pkcs8',format:'pem'}))")
  k -n "$APP_NS" create secret generic snowtrail-signing --from-literal=signing-key.pem="$SIGNING_KEY" --dry-run=client -o yaml | k apply -f -
  pass "namespace labelled, Secrets created"

  step "policy"
  k apply -f e2e/manifests/policy.yaml
  k -n "$APP_NS" wait --for=condition=Ready snowflakeaccesspolicy/e2e --timeout="${TIMEOUT}s"
  k -n "$APP_NS" get snowflakeaccesspolicy e2e | sed 's/^/[e2e]    /'
  pass "policy e2e is Ready"

  step "workloads"
  k -n "$APP_NS" delete job e2e-pipeline --ignore-not-found
  k -n "$APP_NS" delete pod e2e-plain --ignore-not-found
  subst e2e/manifests/workloads.yaml | k apply -f -

  step "the Job completes through the sidecar"
  if ! k -n "$APP_NS" wait --for=condition=complete job/e2e-pipeline --timeout="${TIMEOUT}s"; then
    echo "[e2e]    FAIL job e2e-pipeline did not complete" >&2; return 1
  fi
  local job_pod result
  job_pod=$(k -n "$APP_NS" get pods -l job-name=e2e-pipeline -o jsonpath='{.items[0].metadata.name}')
  [ "$(k -n "$APP_NS" get pod "$job_pod" -o jsonpath='{.metadata.annotations.snowtrail\.dev/status}')" = injected ]
  [ "$(k -n "$APP_NS" get pod "$job_pod" -o jsonpath='{.spec.initContainers[?(@.name=="snowtrail-sidecar")].restartPolicy}')" = Always ]
  result=$(k -n "$APP_NS" logs "$job_pod" -c pipeline | grep '^E2E_RESULT ' | tail -n1)
  log "   $result"
  contains "$result" '"ok":true'
  pass "job completed; pod injected with a native sidecar; every statement behaved as expected"

  step "denied statements were denied"
  k -n "$APP_NS" logs "$job_pod" -c pipeline | grep '^E2E_STEP ' | grep -E '"name":"(export_denied|drop_denied)"' | sed 's/^/[e2e]    /'
  [ "$(k -n "$APP_NS" logs "$job_pod" -c pipeline | grep '^E2E_STEP ' | grep -c '"outcome":"denied"')" -eq 2 ]
  pass "COPY INTO an external location and DROP were denied with a Snowflake error"

  step "the un-annotated pod is untouched"
  k -n "$APP_NS" wait --for=jsonpath='{.status.phase}'=Succeeded pod/e2e-plain --timeout="${TIMEOUT}s"
  local plain
  plain=$(k -n "$APP_NS" get pod e2e-plain -o json)
  if contains "$plain" snowtrail-sidecar || contains "$plain" snowtrail.dev/status || contains "$plain" SNOWFLAKE_; then
    echo "[e2e]    FAIL e2e-plain was modified by the webhook" >&2; return 1
  fi
  [ "$(k -n "$APP_NS" logs e2e-plain)" = 'E2E_ENV []' ]
  pass "no sidecar, no annotation, no injected env"

  step "the Deployment's sidecar metrics are scrapeable"
  k -n "$APP_NS" rollout status deploy/e2e-service --timeout="${TIMEOUT}s"
  local svc_pod metrics=""
  svc_pod=$(k -n "$APP_NS" get pods -l app=e2e-service -o jsonpath='{.items[0].metadata.name}')
  local deadline=$((SECONDS + TIMEOUT))
  until [ "$(metric_value "$metrics" snowtrail_sidecar_statements_total 'outcome="denied"')" -ge 1 ]; do
    [ $SECONDS -lt $deadline ] || { echo "[e2e]    FAIL no denied statements in the sidecar's metrics" >&2; return 1; }
    sleep 3
    metrics=$(k get --raw "/api/v1/namespaces/$APP_NS/pods/$svc_pod:9090/proxy/metrics" 2>/dev/null || true)
  done
  for name in snowtrail_build_info snowtrail_sidecar_logins_total snowtrail_sidecar_statements_total snowtrail_recording_uploads_total; do
    contains $'\n'"$metrics" $'\n'"$name" || { echo "[e2e]    FAIL metric $name missing" >&2; return 1; }
  done
  log "   allowed=$(metric_value "$metrics" snowtrail_sidecar_statements_total 'outcome="allowed"') denied=$(metric_value "$metrics" snowtrail_sidecar_statements_total 'outcome="denied"') uploads_ok=$(metric_value "$metrics" snowtrail_recording_uploads_total 'outcome="success"')"
  pass "metrics scraped from $svc_pod:9090/metrics"

  step "the Job's session is in MinIO and verifies"
  k -n "$APP_NS" delete job e2e-verify --ignore-not-found
  subst e2e/manifests/verify-job.yaml | k apply -f -
  if ! k -n "$APP_NS" wait --for=condition=complete job/e2e-verify --timeout="${TIMEOUT}s"; then
    k -n "$APP_NS" logs job/e2e-verify || true
    echo "[e2e]    FAIL sessions verify failed" >&2; return 1
  fi
  k -n "$APP_NS" logs job/e2e-verify | sed 's/^/[e2e]    /'
  contains "$(k -n "$APP_NS" logs job/e2e-verify)" "$job_pod"
  pass "session of $job_pod found in s3://snowtrail-recordings/e2e/ and verified"

  printf '\n[e2e] ALL %d STEPS PASSED\n' "$STEP"
}

main() {
  local mode=${1:-run}
  detect_tools
  case $mode in
    --check) report_tools; exit 0 ;;
    --plan) log "the cluster suite runs these steps:"; print_plan; exit 0 ;;
    run|--run) ;;
    *) echo "usage: e2e/run.sh [--check|--plan]" >&2; exit 2 ;;
  esac
  report_tools
  if [ "${HAVE[helm]}" = yes ]; then helm_checks
  else log "SKIPPED helm lint / helm template: helm is not installed (the chart's helm-free checks run in 'pnpm test e2e')"; fi

  local missing
  missing=$(missing_for_cluster | paste -sd, - | sed 's/,/, /g')
  if [ -n "$missing" ]; then
    log "SKIPPED the cluster suite: missing $missing."
    log "Nothing below was run; on a machine with a Docker engine, kind, kubectl and helm it would:"
    print_plan
    exit 0
  fi
  cluster_suite
}

main "$@"
