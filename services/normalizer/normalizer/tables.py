from __future__ import annotations

import faust
from faust.types import TableT

__all__ = ["declare_dedup_table"]


def declare_dedup_table(app: faust.App, *, partitions: int) -> TableT[str, str]:
    """`tenant:fingerprint` -> digest of the last forwarded content.

    It lives on the partitions of the normalized topic (keyed the same way), so each
    worker holds the state of its own fingerprints, recovered from the changelog.
    """
    return app.Table("dedup", key_type=str, value_type=str, partitions=partitions)
