"""Lay out offline Kubernetes JSON schemas for kubeconform.

kubeconform cannot download schemas here, so we take them from the
`kubernetes-validate` wheel (it ships strict per-version schemas) and rewrite
their `$ref`s (`/api/_definitions.json#...`, resolved against an `$id` under
https://kubernetes.io/) into sibling-relative ones without the `$id`, so that
kubeconform resolves them against the schema file it loaded, not the network.

Usage: k8s_schemas.py WHEEL OUT_DIR VERSION [VERSION ...]
Writes OUT_DIR/v<VERSION>-local-strict/<kind>-<group>-<version>.json, the layout
kubeconform's `{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/
{{ .ResourceKind }}{{ .KindSuffix }}.json` template expects.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

PREFIX = "kubernetes_validate/kubernetes-json-schema/"
ABSOLUTE_REF = '"/api/_definitions.json#'
RELATIVE_REF = '"_definitions.json#'


def extract(wheel: Path, out_dir: Path, versions: list[str]) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        for version in versions:
            folder = f"v{version}-local-strict"
            members = [n for n in names if n.startswith(f"{PREFIX}{folder}/") and n.endswith(".json")]
            if not members:
                shipped = sorted({n[len(PREFIX) :].split("/")[0] for n in names if n.startswith(PREFIX)})
                sys.exit(f"{wheel.name} has no schemas for Kubernetes {version}; it ships: {' '.join(shipped)}")
            target = out_dir / folder
            target.mkdir(parents=True, exist_ok=True)
            for member in members:
                text = zf.read(member).decode("utf-8").replace(ABSOLUTE_REF, RELATIVE_REF)
                schema = json.loads(text)
                if isinstance(schema, dict):
                    schema.pop("$id", None)
                (target / Path(member).name).write_text(json.dumps(schema), encoding="utf-8")
            print(f"k8s schemas: {len(members)} files for Kubernetes {version} in {target}")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    extract(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
