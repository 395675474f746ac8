#!/usr/bin/env bash
# deploy.sh — build EKO's images without Docker and deploy them to Kubernetes/Knative.
#
#   infra/deploy.sh images [FN...]  build every function's image (or the named ones, "eko" = all-in-one);
#                                   with REGISTRY also push them and pin their digests in the overlay
#   infra/deploy.sh fn FN           build, push and pin FN, then apply its one Knative Service (make deploy FN=…)
#   infra/deploy.sh all             everything, in order (make deploy-all):
#                                   images → namespace → secrets check → NetworkPolicies →
#                                   PostgreSQL cluster + pooler → MinIO + bucket → migration Job →
#                                   Broker + SinkBinding → Services → Triggers
#   infra/deploy.sh secrets-check   every secret and key the manifests need exists, without placeholders
#   infra/deploy.sh secrets-init    DEV ONLY: create the missing secrets with random credentials
#
# Environment:
#   OVERLAY   dev | prod | campaign | allinone        (default dev) — infra/k8s/overlays/$OVERLAY
#   REGISTRY  registry the cluster pulls from; images go to $REGISTRY/eko/<function>
#             (required to deploy; credentials from ~/.docker/config.json or a credential helper)
#   TAG       tag pushed next to the digest (default: the git commit, or "dev")
#   KUBECTL   kubectl to use (default kubectl; its context selects the cluster)
#   BASE      base image (default scratch: CA certificates + user 65532, nothing else)
#   OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, PORTAL_PUBLIC_URL
#             secrets-init only: the OpenID Provider (ESIA or its broker), the portal's client
#             registration with it and the portal's public URL
#   EPGU_STATUS_URL, EPGU_STATUS_TOKEN
#             secrets-init only: where EPGU (or its test stand) takes status updates
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

OVERLAY=${OVERLAY:-dev}
KUBECTL=${KUBECTL:-kubectl}
BASE=${BASE:-scratch}
NS=eko # deploy.namespace of every func.yaml (the validation tests keep them equal)
TAG=${TAG:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo dev)}
bin=$root/bin
overlay_dir=infra/k8s/overlays/$OVERLAY

say() { echo "deploy: $*" >&2; }
die() { echo "deploy: $*" >&2; exit 1; }

[ -d "$overlay_dir" ] || die "no overlay $overlay_dir (OVERLAY=dev|prod|campaign|allinone)"

# The images component an overlay's pins live in; campaign reuses prod's images.
case "$OVERLAY" in
campaign) pin_file=infra/k8s/overlays/prod/images/kustomization.yaml ;;
*) pin_file=$overlay_dir/images/kustomization.yaml ;;
esac

# tools: built once from the infra/validate module (its own go.mod).
tools() {
	mkdir -p "$bin"
	go -C infra/validate build -o "$bin/ekoimage" ./cmd/ekoimage
	go -C infra/validate build -o "$bin/ekomanifests" ./cmd/ekomanifests
}

# functions_of_overlay: the images an overlay runs.
functions_of_overlay() {
	if [ "$OVERLAY" = allinone ]; then
		echo eko
		return
	fi
	echo eko # the migration Job runs `eko migrate`
	local f
	for f in functions/*/func.yaml; do basename "$(dirname "$f")"; done
}

# build FN: build FN's image into bin/images/oci; with REGISTRY push it and pin it.
build() {
	local fn=$1 args=(-base "$BASE" -tag "$TAG" -oci-layout "$bin/images/oci"
		-label "org.opencontainers.image.revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)")
	if [ -n "${REGISTRY:-}" ]; then
		args+=(-repo "${REGISTRY%/}/eko/$fn" -push -pin "$pin_file")
	fi
	"$bin/ekoimage" "${args[@]}" "$fn"
}

need_registry() {
	[ -n "${REGISTRY:-}" ] || die "set REGISTRY to the registry the cluster pulls from (images go to \$REGISTRY/eko/<function>)"
}

preflight() {
	command -v "$KUBECTL" >/dev/null || die "$KUBECTL not found"
	"$KUBECTL" version >/dev/null || die "cannot reach the cluster ($KUBECTL config current-context: $("$KUBECTL" config current-context 2>/dev/null || echo none))"
	local crds=(clusters.postgresql.cnpg.io poolers.postgresql.cnpg.io services.serving.knative.dev)
	[ "$OVERLAY" = allinone ] || crds+=(brokers.eventing.knative.dev triggers.eventing.knative.dev sinkbindings.sources.knative.dev)
	local crd
	for crd in "${crds[@]}"; do
		"$KUBECTL" get crd "$crd" >/dev/null 2>&1 || die "CRD $crd is missing: install CloudNativePG, Knative Serving and Knative Eventing first (infra/k8s/README.md)"
	done
}

# apply SELECTOR: apply the overlay's objects matching SELECTOR (kubectl's own kustomize).
apply() {
	if [ -z "$("$bin/ekomanifests" render -l "$1" "$overlay_dir")" ]; then
		say "nothing labelled $1 in $OVERLAY"
		return 1
	fi
	say "apply -k $overlay_dir -l $1"
	"$KUBECTL" apply -k "$overlay_dir" -l "$1"
}

# rerun_job NAME SELECTOR TIMEOUT: Jobs are immutable; delete the last run, apply, wait.
rerun_job() {
	local job=$1 sel=$2 timeout=$3
	"$KUBECTL" -n "$NS" delete job "$job" --ignore-not-found --wait=true
	apply "$sel"
	say "waiting for job/$job (up to $timeout)"
	if ! "$KUBECTL" -n "$NS" wait --for=condition=complete "job/$job" --timeout="$timeout"; then
		"$KUBECTL" -n "$NS" logs "job/$job" --all-containers --tail=100 >&2 || true
		die "job/$job did not complete"
	fi
}

secrets_check() {
	local missing=0 name key val
	"$KUBECTL" get namespace "$NS" >/dev/null 2>&1 || die "namespace $NS does not exist yet"
	while read -r name key; do
		val=$("$KUBECTL" -n "$NS" get secret "$name" -o "jsonpath={.data.$key}" 2>/dev/null || true)
		if [ -z "$val" ]; then
			echo "deploy: missing secret $name key $key" >&2
			missing=1
		elif echo "$val" | base64 -d 2>/dev/null | grep -q REPLACE_ME; then
			echo "deploy: secret $name key $key still holds the REPLACE_ME placeholder" >&2
			missing=1
		fi
	done < <("$bin/ekomanifests" secrets)
	[ "$missing" = 0 ] || die "create the secrets first: infra/k8s/README.md, \"Secrets\" (dev: infra/deploy.sh secrets-init)"
	say "secrets present"
}

rand() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
rand64() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }

secrets_init() {
	say "creating the missing secrets in namespace $NS with random credentials (dev only)"
	"$KUBECTL" get namespace "$NS" >/dev/null 2>&1 || "$KUBECTL" create namespace "$NS"
	has() { "$KUBECTL" -n "$NS" get secret "$1" >/dev/null 2>&1; }
	if ! has eko-db-app; then
		local pass
		pass=$(rand)
		"$KUBECTL" -n "$NS" create secret generic eko-db-app --type=kubernetes.io/basic-auth \
			--from-literal=username=eko --from-literal=password="$pass"
		has eko-db && "$KUBECTL" -n "$NS" delete secret eko-db
		"$KUBECTL" -n "$NS" create secret generic eko-db \
			--from-literal=DATABASE_URL="postgres://eko:$pass@eko-pg-pooler-rw.$NS.svc.cluster.local:5432/eko?sslmode=require" \
			--from-literal=MIGRATE_DATABASE_URL="postgres://eko:$pass@eko-pg-rw.$NS.svc.cluster.local:5432/eko?sslmode=require"
	fi
	has eko-minio || "$KUBECTL" -n "$NS" create secret generic eko-minio \
		--from-literal=MINIO_ROOT_USER=eko-root --from-literal=MINIO_ROOT_PASSWORD="$(rand)"
	has eko-s3 || "$KUBECTL" -n "$NS" create secret generic eko-s3 \
		--from-literal=S3_ACCESS_KEY=eko-app --from-literal=S3_SECRET_KEY="$(rand)"
	has eko-pdata || "$KUBECTL" -n "$NS" create secret generic eko-pdata \
		--from-literal=PDATA_KEYS="k1:$(rand64)" --from-literal=PDATA_HASH_KEY="$(rand64)"
	if ! has eko-oidc; then
		local v
		for v in OIDC_ISSUER OIDC_CLIENT_ID OIDC_CLIENT_SECRET PORTAL_PUBLIC_URL; do
			[ -n "${!v:-}" ] || die "set OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET (the OpenID Provider and the portal's client) and PORTAL_PUBLIC_URL to create eko-oidc"
		done
		"$KUBECTL" -n "$NS" create secret generic eko-oidc --from-literal=OIDC_ISSUER="$OIDC_ISSUER" \
			--from-literal=OIDC_CLIENT_ID="$OIDC_CLIENT_ID" --from-literal=OIDC_CLIENT_SECRET="$OIDC_CLIENT_SECRET" \
			--from-literal=PORTAL_PUBLIC_URL="$PORTAL_PUBLIC_URL"
	fi
	# dev: PostgreSQL's backups go to the in-cluster MinIO (the overlay's
	# patch), with its root user; the files are not replicated.
	if ! has eko-backup-s3; then
		"$KUBECTL" -n "$NS" create secret generic eko-backup-s3 \
			--from-literal=ACCESS_KEY_ID="$("$KUBECTL" -n "$NS" get secret eko-minio -o jsonpath='{.data.MINIO_ROOT_USER}' | base64 -d)" \
			--from-literal=ACCESS_SECRET_KEY="$("$KUBECTL" -n "$NS" get secret eko-minio -o jsonpath='{.data.MINIO_ROOT_PASSWORD}' | base64 -d)" \
			--from-literal=FILES_REPLICA_URL=none
	fi
	has eko-credentials || "$KUBECTL" -n "$NS" create secret generic eko-credentials \
		--from-literal=CREDENTIAL_KEY="$(rand64)"
	if ! has eko-epgu; then
		[ -n "${EPGU_STATUS_URL:-}" ] || die "set EPGU_STATUS_URL (and EPGU_STATUS_TOKEN): where EPGU (or its test stand) takes status updates, to create eko-epgu"
		"$KUBECTL" -n "$NS" create secret generic eko-epgu --from-literal=EPGU_STATUS_URL="$EPGU_STATUS_URL" \
			--from-literal=EPGU_STATUS_TOKEN="${EPGU_STATUS_TOKEN:-$(rand)}"
	fi
}

cmd_images() {
	tools
	local fns=("$@")
	[ ${#fns[@]} -gt 0 ] || mapfile -t fns < <(functions_of_overlay)
	local fn
	for fn in "${fns[@]}"; do build "$fn"; done
	if [ -n "${REGISTRY:-}" ]; then
		"$bin/ekomanifests" check "$overlay_dir" >&2
		say "pinned in $pin_file — commit it"
	else
		say "images are in $bin/images/oci (set REGISTRY to push them and pin their digests)"
	fi
}

cmd_fn() {
	local fn=${1:-}
	[ -n "$fn" ] || die "usage: deploy.sh fn FN (make deploy FN=<name>)"
	if [ "$fn" = eko ]; then
		[ "$OVERLAY" = allinone ] || die "the all-in-one deploys with OVERLAY=allinone"
	else
		[ -f "functions/$fn/func.yaml" ] || die "no functions/$fn/func.yaml"
		[ "$OVERLAY" != allinone ] || die "OVERLAY=allinone runs only the all-in-one: make deploy FN=eko OVERLAY=allinone"
	fi
	need_registry
	tools
	preflight
	build "$fn"
	local sel="app.kubernetes.io/component=function,app.kubernetes.io/name=$fn"
	"$bin/ekomanifests" check -pinned -l "$sel" "$overlay_dir" >&2
	apply "$sel"
	"$KUBECTL" -n "$NS" wait --for=condition=Ready "ksvc/$fn" --timeout=10m
	"$KUBECTL" -n "$NS" get ksvc "$fn"
}

cmd_all() {
	need_registry
	tools
	preflight
	local fn
	while read -r fn; do build "$fn"; done < <(functions_of_overlay)
	"$bin/ekomanifests" check -pinned "$overlay_dir" >&2

	apply app.kubernetes.io/component=namespace
	secrets_check
	apply app.kubernetes.io/component=network-policy

	apply app.kubernetes.io/component=database
	say "waiting for PostgreSQL (cluster/eko-pg) and its pooler"
	"$KUBECTL" -n "$NS" wait --for=condition=Ready cluster.postgresql.cnpg.io/eko-pg --timeout=20m
	until "$KUBECTL" -n "$NS" get deployment eko-pg-pooler-rw >/dev/null 2>&1; do sleep 2; done
	"$KUBECTL" -n "$NS" rollout status deployment/eko-pg-pooler-rw --timeout=10m

	apply app.kubernetes.io/component=storage
	"$KUBECTL" -n "$NS" rollout status statefulset/minio --timeout=10m
	rerun_job eko-minio-setup app.kubernetes.io/component=storage-setup 10m

	rerun_job eko-migrate app.kubernetes.io/component=migration 30m

	if [ "$OVERLAY" != allinone ]; then
		# Broker and SinkBinding before the Services: the outbox relay's first
		# revision then starts with K_SINK already injected.
		apply app.kubernetes.io/component=eventing
		"$KUBECTL" -n "$NS" wait --for=condition=Ready broker/eko --timeout=5m
	fi

	apply app.kubernetes.io/component=function
	"$KUBECTL" -n "$NS" wait --for=condition=Ready ksvc -l app.kubernetes.io/component=function --timeout=15m

	if [ "$OVERLAY" != allinone ]; then
		if apply app.kubernetes.io/component=trigger; then
			"$KUBECTL" -n "$NS" wait --for=condition=Ready trigger -l app.kubernetes.io/component=trigger --timeout=5m
		fi
		if apply app.kubernetes.io/component=ingress; then :; fi
	fi
	"$KUBECTL" -n "$NS" get ksvc
	say "deployed $OVERLAY; commit $pin_file"
}

case "${1:-}" in
images) shift; cmd_images "$@" ;;
fn) shift; cmd_fn "$@" ;;
all) cmd_all ;;
secrets-check) tools; secrets_check ;;
secrets-init) secrets_init ;;
*) sed -n '2,23p' "$root/infra/deploy.sh" >&2; exit 2 ;;
esac
