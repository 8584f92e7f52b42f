"""Structure of the rendered chart: what a platform engineer relies on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

SERVICES = ["gateway", "normalizer", "correlator", "actions"]
WORKERS = SERVICES[1:]
PORTS = {"gateway": 8080, "normalizer": 6066, "correlator": 6066, "actions": 6066}


def component_of(obj: dict[str, Any]) -> str | None:
    component: str | None = obj["metadata"].get("labels", {}).get("app.kubernetes.io/component")
    return component


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
    return spec


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def secret_ref(container: dict[str, Any], name: str) -> tuple[str, str]:
    ref = env_of(container)[name]["valueFrom"]["secretKeyRef"]
    return ref["name"], ref["key"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_deployment_probes_service_and_pdb(default: Any, service: str) -> None:
    deployment = default.one("Deployment", service)
    (container,) = pod_spec(deployment)["containers"]
    assert container["args"] == [service]
    assert container["ports"] == [{"name": "http", "containerPort": PORTS[service], "protocol": "TCP"}]
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["resources"]["requests"]
    assert deployment["spec"]["replicas"] >= 1

    pdb = default.one("PodDisruptionBudget", service)
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    service_obj = default.one("Service", service)
    assert service_obj["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service_obj["spec"]["ports"][0]["targetPort"] == "http"


def test_every_pod_is_locked_down(default: Any) -> None:
    pods = default.of("Deployment") + default.of("Job") + default.of("Pod")
    assert len(pods) == 4 + 2 + 1
    for obj in pods:
        spec = pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["automountServiceAccountToken"] is False
        for container in spec["containers"]:
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, obj["metadata"]["name"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"]
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts  # the only writable places are emptyDirs
    for deployment in default.of("Deployment"):
        assert pod_spec(deployment)["serviceAccountName"] == "keep-keep-aiops"


@pytest.mark.parametrize("worker", WORKERS)
def test_workers_run_in_a_writable_emptydir(default: Any, worker: str) -> None:
    spec = pod_spec(default.one("Deployment", worker))
    (container,) = spec["containers"]
    assert container["workingDir"] == "/var/lib/keep"
    data = next(m for m in container["volumeMounts"] if m["mountPath"] == "/var/lib/keep")
    volume = next(v for v in spec["volumes"] if v["name"] == data["name"])
    assert volume == {"name": data["name"], "emptyDir": {}}
    assert env_of(container)["HOME"]["value"] == "/tmp"


@pytest.mark.parametrize("service", SERVICES)
def test_disabling_a_service_removes_its_objects(chart: Any, service: str) -> None:
    objs = chart.render("ci/external-values.yaml", set_values={f"{service}.enabled": "false"})
    assert service not in objs.components()
    assert set(SERVICES) - {service} <= objs.components()


def test_disabling_optional_parts(chart: Any, external: Any) -> None:
    kinds = {o["kind"] for o in external}
    assert {
        "Ingress",
        "ServiceMonitor",
        "NetworkPolicy",
        "ScaledObject",
        "HorizontalPodAutoscaler",
    } <= kinds
    objs = chart.render(
        "ci/external-values.yaml",
        set_values={
            "gateway.ingress.enabled": "false",
            "serviceMonitor.enabled": "false",
            "networkPolicy.enabled": "false",
            "normalizer.keda.enabled": "false",
            "correlator.keda.enabled": "false",
            "actions.keda.enabled": "false",
            "gateway.autoscaling.enabled": "false",
            "normalizer.autoscaling.enabled": "false",
            "kafka.topics.create": "false",
            "tests.enabled": "false",
            "gateway.pdb.enabled": "false",
        },
    )
    kinds = {o["kind"] for o in objs}
    assert not kinds & {
        "Ingress",
        "ServiceMonitor",
        "NetworkPolicy",
        "ScaledObject",
        "TriggerAuthentication",
        "HorizontalPodAutoscaler",
        "Pod",
    }
    assert [component_of(j) for j in objs.of("Job")] == ["migrate"]
    assert "gateway" not in {component_of(p) for p in objs.of("PodDisruptionBudget")}


def test_credentials_come_from_existing_secrets(external: Any) -> None:
    assert external.of("Secret") == []  # nothing for the chart to hold
    expected = {
        "KEEP_POSTGRES_DSN": ("keep-postgres", "dsn"),
        "KEEP_API_KEYS": ("keep-auth", "api-keys"),
        "KEEP_SECRET_KEY": ("keep-auth", "secret-key"),
        "KEEP_KAFKA_SASL_PASSWORD": ("keep-kafka", "password"),
    }
    for obj in external.of("Deployment") + external.of("Job"):
        (container,) = pod_spec(obj)["containers"]
        for name, ref in expected.items():
            assert secret_ref(container, name) == ref, (obj["metadata"]["name"], name)
        env = env_of(container)
        assert env["KEEP_KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
        assert env["KEEP_KAFKA_SSL_CAFILE"]["value"] == "/etc/keep/kafka-tls/ca.crt"
        assert {
            "name": "kafka-tls",
            "mountPath": "/etc/keep/kafka-tls",
            "readOnly": True,
        } in container["volumeMounts"]
        assert all("value" not in e or "password" not in e["name"].lower() for e in container["env"])


def test_no_default_secrets(chart: Any) -> None:
    first, second = chart.render(), chart.render()
    (a,), (b,) = first.of("Secret"), second.of("Secret")
    assert set(a["data"]) == {"api-keys", "secret-key"}
    assert a["data"]["api-keys"] != b["data"]["api-keys"]  # generated, never a shipped default
    assert a["data"]["secret-key"] != b["data"]["secret-key"]
    # The DSN is never invented: it points at a Secret the user creates.
    (container,) = pod_spec(first.one("Deployment", "correlator"))["containers"]
    assert secret_ref(container, "KEEP_POSTGRES_DSN") == (
        "keep-keep-aiops-postgres",
        "dsn",
    )


def test_inline_values_land_in_the_chart_secret_not_in_env(chart: Any) -> None:
    objs = chart.render(
        "ci/minimal-values.yaml",
        set_values={
            "kafka.securityProtocol": "SASL_PLAINTEXT",
            "kafka.sasl.password": "s3cret",
        },
    )
    (secret,) = objs.of("Secret")
    assert {"postgres-dsn", "kafka-sasl-password", "api-keys", "secret-key"} == set(secret["data"])
    (container,) = pod_spec(objs.one("Deployment", "gateway"))["containers"]
    assert secret_ref(container, "KEEP_KAFKA_SASL_PASSWORD") == (
        secret["metadata"]["name"],
        "kafka-sasl-password",
    )
    assert "s3cret" not in json.dumps(objs.of("Deployment"))


@pytest.mark.parametrize("service", ["gateway", "normalizer"])
def test_services_reading_installed_providers_get_the_secret_key_and_database(chart: Any, service: str) -> None:
    objs = chart.render(set_values={"gateway.publicUrl": "https://keep.example.com"})
    (container,) = pod_spec(objs.one("Deployment", service))["containers"]
    (secret,) = objs.of("Secret")
    assert secret_ref(container, "KEEP_SECRET_KEY") == (secret["metadata"]["name"], "secret-key")
    assert secret_ref(container, "KEEP_POSTGRES_DSN")[1] == "dsn"
    public_url = env_of(container).get("KEEP_PUBLIC_URL", {}).get("value")
    assert public_url == ("https://keep.example.com" if service == "gateway" else None)


def test_hooks_order_secret_before_migrate_before_topics(default: Any, self_contained: Any) -> None:
    (secret,) = default.of("Secret")
    weights = {component_of(j): int(j["metadata"]["annotations"]["helm.sh/hook-weight"]) for j in default.of("Job")}
    assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < weights["migrate"] < weights["topics"]
    for job in default.of("Job"):
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert pod_spec(job)["containers"][0]["args"] in (["migrate"], ["topics"])
    # In-release Kafka and PostgreSQL only exist after the install: the Jobs wait for them.
    for job in self_contained.of("Job"):
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"


def test_self_contained_uses_operator_resources(self_contained: Any) -> None:
    (kafka,) = self_contained.of("Kafka")
    (pool,) = self_contained.of("KafkaNodePool")
    (cluster,) = self_contained.of("Cluster")
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    (container,) = pod_spec(self_contained.one("Deployment", "normalizer"))["containers"]
    env = env_of(container)
    assert env["KEEP_KAFKA_BOOTSTRAP_SERVERS"]["value"] == f"{kafka['metadata']['name']}-kafka-bootstrap:9092"
    assert secret_ref(container, "KEEP_POSTGRES_DSN") == (
        f"{cluster['metadata']['name']}-app",
        "uri",
    )
    (secret,) = self_contained.of("Secret")
    assert "postgres-dsn" not in secret["data"]


def test_keda_scales_on_lag_capped_at_partitions(external: Any) -> None:
    partitions = 6  # ci/external-values.yaml
    hpas = {component_of(h) for h in external.of("HorizontalPodAutoscaler")}
    assert hpas == {"gateway"}  # KEDA owns the workers' scaling
    for worker in WORKERS:
        scaled = external.one("ScaledObject", worker)
        assert scaled["spec"]["maxReplicaCount"] <= partitions
        kafka = [t for t in scaled["spec"]["triggers"] if t["type"] == "kafka"]
        assert {t["metadata"]["consumerGroup"] for t in kafka} == {f"keep-{worker}"}
        assert all(t["authenticationRef"]["name"] == "keep-keep-aiops-kafka" for t in kafka)
        assert "replicas" not in external.one("Deployment", worker)["spec"]
    topics = {
        t["metadata"]["topic"]
        for t in external.one("ScaledObject", "actions")["spec"]["triggers"]
        if t["type"] == "kafka"
    }
    assert topics == {"keep.incidents", "keep.actions.requests"}
    assert external.one("HorizontalPodAutoscaler", "gateway")["spec"]["maxReplicas"] == 20  # not partition-bound


def test_hpa_on_cpu_for_workers_is_capped_too(chart: Any) -> None:
    objs = chart.render(
        set_values={
            "correlator.autoscaling.enabled": "true",
            "correlator.autoscaling.maxReplicas": "50",
            "kafka.topics.partitions": "8",
        }
    )
    hpa = objs.one("HorizontalPodAutoscaler", "correlator")
    assert hpa["spec"]["maxReplicas"] == 8
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def test_actions_rules_come_from_the_configmap(external: Any) -> None:
    (cm,) = external.of("ConfigMap")
    rules = yaml.safe_load(cm["data"]["rules.yaml"])
    assert rules["rules"][0]["provider"] == "ops-webhook"
    spec = pod_spec(external.one("Deployment", "actions"))
    (container,) = spec["containers"]
    assert env_of(container)["KEEP_ACTIONS_FILE"]["value"] == "/etc/keep/actions/rules.yaml"
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/etc/keep/actions")
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    assert volume["configMap"]["name"] == cm["metadata"]["name"]
    assert env_of(container)["OPS_WEBHOOK_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "keep-actions"
    assert container["envFrom"] == [{"secretRef": {"name": "keep-actions-extra"}}]


def test_per_service_scheduling(external: Any) -> None:
    spec = pod_spec(external.one("Deployment", "correlator"))
    assert spec["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert spec["tolerations"][0]["key"] == "dedicated"
    assert "nodeSelector" not in pod_spec(external.one("Deployment", "normalizer"))


def test_helm_test_posts_and_reads_back(default: Any) -> None:
    (pod,) = default.of("Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    (container,) = pod["spec"]["containers"]
    script = container["args"][0]
    assert "/api/alerts/event" in script and '"GET", "/api/alerts"' in script
    assert env_of(container)["GATEWAY_URL"]["value"] == "http://keep-keep-aiops-gateway:80"


def test_network_policy_lets_the_test_pod_reach_the_gateway(external: Any) -> None:
    policy = external.one("NetworkPolicy", "gateway")
    peers = policy["spec"]["ingress"][0]["from"]
    assert any(
        p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component") == "test" for p in peers
    )


def test_schema_rejects_unknown_values(chart: Any) -> None:
    assert "additional properties 'replicas' not allowed" in chart.error({"gateway.replicas": "3"})
    assert "kafka" in chart.error({"kafka.securityProtocol": "TLS"})


def _leaves(values: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(values, dict) and values:
        return [leaf for k, v in values.items() for leaf in _leaves(v, (*path, k))]
    return [path]


def test_schema_describes_every_value(chart: Any) -> None:
    schema = json.loads((chart.dir / "values.schema.json").read_text())
    values = yaml.safe_load((chart.dir / "values.yaml").read_text())

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    for path in _leaves(values):
        node: dict[str, Any] = schema
        for key in path:
            props = resolve(node).get("properties", {})
            if key not in props:
                assert resolve(node).get("additionalProperties") is True, f"{'.'.join(path)} missing from schema"
                break
            node = props[key]
            assert node.get("description"), f"{'.'.join(path)} has no description"


def test_notes_tell_how_to_send_the_first_alert(chart: Any, tmp_path: Path) -> None:
    notes = chart.notes(tmp_path)
    assert "curl" in notes and "/api/alerts/event" in notes and "X-API-KEY" in notes
    assert "kubectl -n keep create secret generic keep-keep-aiops-postgres" in notes
    ingress = chart.notes(
        tmp_path / "b",
        {
            "gateway.ingress.enabled": "true",
            "kafka.bootstrapServers": "k:9092",
            "postgres.existingSecret": "pg",
        },
    )
    assert "KEEP_URL=http://keep-aiops.example.com" in ingress
    assert "WARNING" not in ingress and "create secret" not in ingress
