# EKO — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

FUNCTIONS := $(notdir $(wildcard functions/*))

.PHONY: help run test bench drill migrate seed build vet fmt clean
SCALE ?= small

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: ## the whole stack on 127.0.0.1:8080 (PostgreSQL, MinIO, dev identity provider, migrations)
	infra/local/run.sh

test: ## every test against real PostgreSQL and MinIO (started if absent)
	infra/local/test.sh

bench: ## the benchmarks of BENCHMARKS.md against the real stack: Go benchmarks, the peak load generator, the journal at region scale, homework's evening peak, portfolios, the report season
	infra/local/bench.sh -rate 1000 -duration 10s

drill: ## the restore drill: a base backup of a running EKO with WAL archiving, restored to a point in time and checked (DRILL_SCALE=small|region)
	infra/local/test.sh -run TestRestoreDrill -v ./tests/drill/

migrate: ## apply every function's migrations to DATABASE_URL (MIGRATE_DATABASE_URL if set)
	go run ./cmd/eko migrate

seed: ## load a synthetic region and the fixture identities into an empty registry: make seed SCALE=small|region
	@infra/local/postgres.sh start >/dev/null
	eval "$$(infra/local/postgres.sh env)" && SEED_SCALE=$(SCALE) go run ./cmd/eko seed

build: ## build the all-in-one binary and each function's binary into bin/
	go build -o bin/eko ./cmd/eko
	go build -o bin/devidp ./infra/devidp/cmd
	@for f in $(FUNCTIONS); do echo "go build -o bin/$$f ./functions/$$f/cmd"; go build -o bin/$$f ./functions/$$f/cmd || exit 1; done

vet: ## go vet and gofmt
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

fmt: ## gofmt every file
	gofmt -w $$(git ls-files '*.go')

clean: ## remove build output and local data (PostgreSQL cluster, MinIO objects) created by make run
	rm -rf bin .data

# ---- Kubernetes / Knative: infra/k8s (kustomize), infra/validate (its own Go module), infra/deploy.sh ----
# OVERLAY=dev|prod|campaign|allinone picks infra/k8s/overlays/$(OVERLAY); REGISTRY is where the cluster pulls from.
OVERLAY ?= dev
export OVERLAY REGISTRY
.PHONY: manifests validate-manifests images deploy deploy-all

manifests: ## regenerate infra/k8s Services (from func.yaml) and Triggers (from events/)
	go -C infra/validate run ./cmd/ekomanifests generate

validate-manifests: ## validate every overlay without a cluster (strict API types, Knative Validate, func.yaml, routes)
	cd infra/validate && go test -count=1 ./...

images: ## build every image without Docker into bin/images/oci; with REGISTRY=… also push and pin digests in OVERLAY
	infra/deploy.sh images

deploy: ## build, push, pin and apply one function: make deploy FN=<name> REGISTRY=… [OVERLAY=dev]
	infra/deploy.sh fn $(FN)

deploy-all: ## deploy OVERLAY in order: secrets → PostgreSQL/pooler → MinIO → migrations → broker → services → triggers
	infra/deploy.sh all
