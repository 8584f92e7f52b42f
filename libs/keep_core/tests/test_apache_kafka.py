"""Integration test: a real Apache Kafka broker from keep_core.devstack.apache_kafka."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped,unused-ignore]
from keep_core.devstack.apache_kafka import ApacheKafkaBroker, KafkaDevstackError, find_java

pytestmark = pytest.mark.apache_kafka


@pytest.fixture(autouse=True)
def _require_java() -> None:
    # Fail loudly rather than skip: a missing JDK must not look like a green run.
    try:
        find_java()
        return
    except KafkaDevstackError as exc:
        reason = str(exc)
    pytest.fail(f"apache_kafka tests need Java 17+: {reason}", pytrace=False)


async def _produce_one(bootstrap_servers: str, topic: str, value: bytes) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        metadata = await producer.send_and_wait(topic, value, key=b"alert-1")
        return int(metadata.offset)
    finally:
        await producer.stop()


async def _consume_one(bootstrap_servers: str, topic: str) -> bytes:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"test-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), timeout=60)
        value: bytes = message.value
        return value
    finally:
        await consumer.stop()


def _process_group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_broker_roundtrip_and_clean_stop(tmp_path: Path) -> None:
    topic = f"alerts-{uuid.uuid4().hex[:8]}"
    payload = b'{"alert": "cpu high", "severity": "critical"}'
    broker = ApacheKafkaBroker(tmp_path / "kafka")

    with broker:
        assert broker.bootstrap_servers == f"127.0.0.1:{broker.port}"
        pid = broker.pid
        assert pid is not None and broker.running

        offset = asyncio.run(_produce_one(broker.bootstrap_servers, topic, payload))
        assert offset == 0
        assert asyncio.run(_consume_one(broker.bootstrap_servers, topic)) == payload

    assert not broker.running
    assert broker.pid is None
    # The JVM ran in its own process group (pgid == pid); nothing may survive in it.
    assert not _process_group_exists(pid)
    broker.stop()  # idempotent
