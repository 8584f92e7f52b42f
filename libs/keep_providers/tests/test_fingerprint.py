"""keep_providers._fingerprint: canonical, collision-free sha256 fingerprints."""

from __future__ import annotations

import itertools
import re

import pytest
from keep_providers._fingerprint import fingerprint_from_fields, fingerprint_from_labels

HEX64 = re.compile(r"^[0-9a-f]{64}$")


# --- fingerprint_from_fields -------------------------------------------------------


def test_fields_fingerprint_is_a_sha256_hex_and_deterministic() -> None:
    values = {"name": "HighCPU", "service": "checkout"}
    first = fingerprint_from_fields(values, ["name", "service"])
    assert HEX64.match(first)
    assert fingerprint_from_fields(dict(values), ("name", "service")) == first


def test_fields_fingerprint_ignores_insertion_order_of_the_values_mapping() -> None:
    forward = {"name": "HighCPU", "service": "checkout", "environment": "prod"}
    backward = dict(reversed(list(forward.items())))
    fields = ["name", "service", "environment"]
    assert fingerprint_from_fields(forward, fields) == fingerprint_from_fields(backward, fields)


def test_fields_fingerprint_follows_the_declared_field_order() -> None:
    values = {"a": "1", "b": "2"}
    assert fingerprint_from_fields(values, ["a", "b"]) != fingerprint_from_fields(values, ["b", "a"])


def test_fields_fingerprint_only_reads_the_declared_fields() -> None:
    fields = ["name"]
    assert fingerprint_from_fields({"name": "x", "noise": "1"}, fields) == fingerprint_from_fields(
        {"name": "x", "noise": "2"}, fields
    )


def test_fields_fingerprint_changes_when_a_declared_field_changes() -> None:
    fields = ["name", "service"]
    assert fingerprint_from_fields({"name": "x", "service": "a"}, fields) != fingerprint_from_fields(
        {"name": "x", "service": "b"}, fields
    )


def test_missing_field_differs_from_empty_field() -> None:
    fields = ["name", "service"]
    missing = fingerprint_from_fields({"name": "x"}, fields)
    empty = fingerprint_from_fields({"name": "x", "service": ""}, fields)
    assert missing != empty


def test_none_value_counts_as_missing() -> None:
    fields = ["name", "service"]
    assert fingerprint_from_fields({"name": "x", "service": None}, fields) == fingerprint_from_fields(
        {"name": "x"}, fields
    )


def test_missing_marker_text_as_a_value_differs_from_a_missing_field() -> None:
    fields = ["a"]
    assert fingerprint_from_fields({"a": "\x00missing"}, fields) != fingerprint_from_fields({}, fields)


def test_separator_characters_inside_a_value_cannot_imitate_two_fields() -> None:
    # Naively joined, both would read a<US>x<RS>b<US>y.
    one_field = fingerprint_from_fields({"a": "x\x1eb\x1fy"}, ["a"])
    two_fields = fingerprint_from_fields({"a": "x", "b": "y"}, ["a", "b"])
    assert one_field != two_fields


def test_pair_separator_inside_a_value_cannot_imitate_another_field() -> None:
    assert fingerprint_from_fields({"a": "x\x1fb"}, ["a"]) != fingerprint_from_fields({"a": "x", "b": ""}, ["a", "b"])


def test_escaped_and_raw_separators_hash_differently() -> None:
    fields = ["a"]
    raw = fingerprint_from_fields({"a": "\x1e"}, fields)
    escaped_text = fingerprint_from_fields({"a": "\\x1e"}, fields)
    assert raw != escaped_text


def test_empty_fields_list_raises() -> None:
    with pytest.raises(ValueError, match="at least one field"):
        fingerprint_from_fields({"name": "x"}, [])


# --- fingerprint_from_labels -------------------------------------------------------


def test_labels_fingerprint_is_order_independent() -> None:
    labels = {"alertname": "HighCPU", "instance": "node-1:9100", "job": "node", "severity": "critical"}
    shuffled = {key: labels[key] for key in ["severity", "job", "alertname", "instance"]}
    assert list(shuffled) != list(labels)
    assert fingerprint_from_labels(labels) == fingerprint_from_labels(shuffled)
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint_from_labels(labels))


def test_labels_fingerprint_is_alertmanagers_own() -> None:
    # The vectors of prometheus/common's labelSetToFingerprint tests.
    assert int(fingerprint_from_labels({}), 16) == 14695981039346656037
    assert int(fingerprint_from_labels({"name": "garland, briggs", "fear": "love is not enough"}), 16) == (
        5799056148416392346
    )


def test_labels_fingerprint_differs_when_a_value_differs() -> None:
    base = {"alertname": "HighCPU", "instance": "node-1:9100"}
    assert fingerprint_from_labels(base) != fingerprint_from_labels({**base, "instance": "node-2:9100"})


def test_labels_fingerprint_differs_when_a_label_is_added() -> None:
    base = {"alertname": "HighCPU"}
    assert fingerprint_from_labels(base) != fingerprint_from_labels({**base, "job": "node"})
    assert fingerprint_from_labels(base) != fingerprint_from_labels({**base, "job": ""})


def test_labels_fingerprint_key_and_value_are_not_interchangeable() -> None:
    # Naively joined, both would read a<US>x<US>y.
    assert fingerprint_from_labels({"a\x1fx": "y"}) != fingerprint_from_labels({"a": "x\x1fy"})
    assert fingerprint_from_labels({"a": "x\x1eb\x1fy"}) != fingerprint_from_labels({"a": "x", "b": "y"})


def test_labels_fingerprint_of_empty_label_set_is_stable() -> None:
    assert fingerprint_from_labels({}) == fingerprint_from_labels({})
    assert fingerprint_from_labels({}) != fingerprint_from_labels({"": ""})


def test_distinct_label_sets_built_from_tricky_characters_never_collide() -> None:
    alphabet = ["", "a", "b", "\x1e", "\x1f", "\\", "\x00", "a\x1fb", "\\x1e", "=", "\n"]
    label_sets: list[dict[str, str]] = []
    for key, value in itertools.product(alphabet, repeat=2):
        label_sets.append({key: value})
    for (k1, v1), (k2, v2) in itertools.product(itertools.product(alphabet, repeat=2), repeat=2):
        if k1 < k2:
            label_sets.append({k1: v1, k2: v2})
    distinct = {tuple(sorted(labels.items())) for labels in label_sets}
    fingerprints = {fingerprint_from_labels(dict(items)) for items in distinct}
    assert len(fingerprints) == len(distinct)
