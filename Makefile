# debugdead — `make help` lists the targets. Node 24 comes with the project (npm scripts put it on PATH).
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

NODE ?= ./node_modules/.bin/node
VERSION ?= $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
IMAGE_REPO ?= ghcr.io/debugdead/debugdead-webhook
IMAGE ?= $(IMAGE_REPO):$(VERSION)
KIND_CLUSTER ?= debugdead
KUBECTL ?= kubectl
# TLS path of `make deploy`: bootstrap (in-cluster Job, the default), certs (npm run certs), cert-manager.
TLS ?= bootstrap

ifeq ($(TLS),bootstrap)
KUSTOMIZATION := manifests
else ifeq ($(TLS),certs)
KUSTOMIZATION := manifests/overlays/certs
else ifeq ($(TLS),cert-manager)
KUSTOMIZATION := manifests/overlays/cert-manager
else
$(error TLS must be bootstrap, certs or cert-manager, not $(TLS))
endif

.PHONY: help build test lint bench certs image deploy undeploy kind-up kind-down e2e

help: ## Show this help
	@echo 'Usage: make TARGET [VAR=value]'
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo 'Variables: IMAGE=$(IMAGE) TLS=$(TLS) (bootstrap|certs|cert-manager) KIND_CLUSTER=$(KIND_CLUSTER)'

# Installs dependencies only when node_modules is missing (order-only below): never wipes a working tree.
node_modules:
	npm ci

build: | node_modules ## Compile TypeScript into dist/
	npm run build

test: | node_modules ## Run every test (unit, HTTP, delivery, integration where available)
	npm test

lint: | node_modules ## Type-check, eslint and prettier
	npm run lint

bench: | node_modules ## Mutation and webhook benchmarks (not a test)
	npm run bench

certs: | node_modules ## Generate the CA and serving certificate into certs/cluster/ (kept while valid)
	npm run certs

image: ## Build the webhook container image (IMAGE)
	docker build -t $(IMAGE) .

deploy: ## Install into the current kubectl context (TLS=bootstrap|certs|cert-manager)
ifeq ($(TLS),certs)
	@test -f certs/cluster/kustomization.yaml || $(MAKE) certs
endif
	$(KUBECTL) apply -k $(KUSTOMIZATION)
	$(KUBECTL) -n debugdead-system rollout status deployment/debugdead-webhook --timeout=180s

undeploy: ## Remove everything deploy installed (same TLS=)
	$(KUBECTL) delete -k $(KUSTOMIZATION) --ignore-not-found --wait=true

kind-up: ## Create the kind cluster (KIND_CLUSTER); load the webhook image (built if missing) and the tools image
	bash test/e2e/kind.sh up "$(KIND_CLUSTER)" "$(IMAGE)"

kind-down: ## Delete the kind cluster (KIND_CLUSTER)
	bash test/e2e/kind.sh down "$(KIND_CLUSTER)"

e2e: ## End-to-end on kind (needs Docker and kind; skips with a reason otherwise)
	IMAGE="$(IMAGE)" KIND_CLUSTER="$(KIND_CLUSTER)-e2e" bash test/e2e/run.sh
