"""Render the Helm chart with the helm binary that mk/helm.mk installs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "keep-aiops"
# mk/helm.mk installs helm here and passes the exact binary as KEEP_HELM.
DEFAULT_HELM = Path.home() / ".cache" / "keep-aiops" / "bin" / "helm"


def helm_binary() -> str:
    helm = os.environ.get("KEEP_HELM") or str(DEFAULT_HELM)
    if not Path(helm).is_file():
        pytest.fail(
            f"helm not found at {helm}: run `make helm-check` (or `make -f mk/helm.mk helm-tools`), "
            "which installs the pinned version, or point KEEP_HELM at a helm binary",
            pytrace=False,
        )
    return helm


class Rendered(list[dict[str, Any]]):
    """The objects of one `helm template` run, with small finders."""

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self if o["kind"] == kind]

    def one(self, kind: str, component: str) -> dict[str, Any]:
        found = [o for o in self.of(kind) if component_of(o) == component]
        assert len(found) == 1, f"expected one {kind} for {component}, found {len(found)}"
        return found[0]

    def components(self) -> set[str]:
        return {c for o in self if (c := component_of(o))}


def component_of(obj: dict[str, Any]) -> str | None:
    component: str | None = obj["metadata"].get("labels", {}).get("app.kubernetes.io/component")
    return component


def render(*values_files: str, set_values: dict[str, str] | None = None, chart: Path = CHART) -> Rendered:
    """`helm template` the chart with values files (relative to the chart) and --set pairs."""
    cmd = [helm_binary(), "template", "keep", str(chart), "--namespace", "keep"]
    for f in values_files:
        cmd += ["-f", str(CHART / f)]
    for key, value in (set_values or {}).items():
        cmd += ["--set", f"{key}={value}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"helm template failed: {proc.stderr}")
    return Rendered(d for d in yaml.safe_load_all(proc.stdout) if d)


def render_error(set_values: dict[str, str]) -> str:
    cmd = [helm_binary(), "template", "keep", str(CHART)]
    for key, value in set_values.items():
        cmd += ["--set", f"{key}={value}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode != 0, "expected helm template to fail"
    return proc.stderr


def render_notes(tmp_path: Path, set_values: dict[str, str] | None = None) -> str:
    """NOTES.txt is not printed by `helm template`: render it through a ConfigMap."""
    chart = tmp_path / "keep-aiops"
    shutil.copytree(CHART, chart)
    (chart / "notes.txt").write_text((CHART / "templates" / "NOTES.txt").read_text())
    (chart / "templates" / "notes-preview.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n"
        'data:\n  notes: {{ tpl (.Files.Get "notes.txt") . | quote }}\n'
    )
    objs = render(set_values=set_values, chart=chart)
    notes: str = next(o for o in objs.of("ConfigMap") if o["metadata"]["name"] == "notes")["data"]["notes"]
    return notes


class Chart:
    """What the tests get from the `chart` fixture (conftest is not imported, so the
    tests work under any pytest import mode)."""

    dir = CHART
    render = staticmethod(render)
    error = staticmethod(render_error)
    notes = staticmethod(render_notes)


@pytest.fixture(scope="session")
def chart() -> Chart:
    helm_binary()
    return Chart()


@pytest.fixture(scope="session")
def default() -> Rendered:
    return render()


@pytest.fixture(scope="session")
def external() -> Rendered:
    return render("ci/external-values.yaml")


@pytest.fixture(scope="session")
def self_contained() -> Rendered:
    return render("ci/self-contained-values.yaml")
