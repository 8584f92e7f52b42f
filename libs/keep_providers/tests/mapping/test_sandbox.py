"""The template sandbox at render time: what a mapping needs works, and every way to
escape it or to make the shared normalizer build huge values or spin is refused."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2.exceptions import SecurityError, UndefinedError
from keep_providers.providers.mapping.sandbox import MAX_LOOP_ITERATIONS, MAX_TEXT_CHARS, compile_template

ENTRY: dict[str, Any] = {
    "host": "db-01",
    "check": "Filesystem /var",
    "tags": ["linux", "dba"],
    "labels": {"team": "dba", "tier": 1},
    "count": 3,
    "title": "Latenz über 2 s — 東京",
    "__class__": "just a key",
}


def render(template: str, **variables: Any) -> str:
    return compile_template(template).render({"entry": ENTRY, "body": {"entries": [ENTRY]}, **variables})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{ entry.host }}: {{ entry.check }}", "db-01: Filesystem /var", id="attributes"),
        pytest.param("{{ entry['host'] ~ '/' ~ entry.count }}", "db-01/3", id="concat"),
        pytest.param("[{{ entry.missing }}]", "[]", id="missing-is-empty"),
        pytest.param("[{{ entry.missing.deeper.still }}]", "[]", id="missing-chain-is-empty"),
        pytest.param("{{ entry.missing | default('n/a') }}", "n/a", id="default"),
        pytest.param("{{ entry.tags | join(', ') | upper }}", "LINUX, DBA", id="join-upper"),
        pytest.param("{{ entry.labels | tojson }}", '{"team": "dba", "tier": 1}', id="tojson"),
        pytest.param("{{ entry.check | replace('/', ' ') | trim }}", "Filesystem  var", id="replace"),
        pytest.param("{{ entry.check | truncate(13, true, '…', 0) }}", "Filesystem /…", id="truncate"),
        pytest.param("{{ entry.title | lower }}", "latenz über 2 s — 東京", id="unicode"),
        pytest.param(
            "{% for key, value in entry.labels | dictsort %}{{ key }}={{ value }};{% endfor %}",
            "team=dba;tier=1;",
            id="loop-over-object",
        ),
        pytest.param("{{ 'down' if entry.count > 2 else 'up' }}", "down", id="conditional"),
        pytest.param("{{ entry.host.upper() }} {{ entry.labels.get('team') }}", "DB-01 dba", id="safe-methods"),
        pytest.param("{{ body.entries | map(attribute='host') | join }}", "db-01", id="map-attribute"),
        pytest.param("{{ entry.count * 2 }} {{ 2 ** 10 }} {{ 'ab' * 3 }}", "6 1024 ababab", id="small-arithmetic"),
        pytest.param("{{ headers['x-source'] }}", "cron", id="headers"),
        pytest.param("{{ entry.get('__class__') }}", "just a key", id="dunder-key-of-data"),
    ],
)
def test_what_a_mapping_needs_renders(template: str, expected: str) -> None:
    assert render(template, headers={"x-source": "cron"}) == expected


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        pytest.param(
            "{% set k = '__cla' ~ 'ss__' %}{{ entry.host[k] }}",
            "attribute '__class__' of a str is not available in mapping templates",
            id="computed-dunder-on-str",
        ),
        pytest.param(
            "{% set k = '__glo' ~ 'bals__' %}{{ range[k] }}",
            "attribute '__globals__' of a function is not available",
            id="computed-globals",
        ),
        pytest.param(
            "{{ entry.labels.pop('team') }}", "attribute 'pop' of a dict is not available", id="mutation-refused"
        ),
        pytest.param(
            "{{ '{0:>99999999}'.format(1) }}", "attribute 'format' of a str is not available", id="str-format"
        ),
        pytest.param("{{ entry.host.ljust(99999999) }}", "attribute 'ljust' of a str is not available", id="ljust"),
        pytest.param(
            "{{ '%099999999d' % 1 }}", "'%' string formatting is not available in mapping templates", id="percent"
        ),
        pytest.param(
            "{{ 'x' * 99999999 }}", f"a value of 99999999 characters or items is over the {MAX_TEXT_CHARS}", id="mul"
        ),
        pytest.param("{{ [entry] * 99999999 }}", "a value of 99999999 characters or items is over the", id="list-mul"),
        pytest.param(
            "{% set a = 'xxxxxxxxxxxxxxxx' %}{% set a = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}"
            "{% set a = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}{% set a = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}"
            "{% set a = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}{{ a | length }}",
            "a value of 65536 characters or items is over the",
            id="concat-doubling",
        ),
        pytest.param(
            "{% set a = 'xxxxxxxxxxxxxxxx' %}{% set a = a + a + a + a + a + a + a + a %}"
            "{% set a = a + a + a + a + a + a + a + a %}{% set a = a + a + a + a + a + a + a + a %}"
            "{% set a = a + a + a + a + a + a + a + a %}",
            "characters or items is over the",
            id="plus-doubling",
        ),
        pytest.param(
            "{% set a = 'x' * 30000 %}{{ [a, a, a] | join }}", "a value of 90000 characters", id="join-amplifies"
        ),
        pytest.param(
            "{% set a = 'x' * 30000 %}{{ a | replace('x', 'yy') }}", "a value of 60000 characters", id="replace-grows"
        ),
        pytest.param("{{ 7 ** 99999 }}", "bit limit", id="huge-power"),
        pytest.param("{{ (10 ** 1000) * (10 ** 1000) }}", "bit limit", id="huge-product"),
        pytest.param(
            "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
            f"loops ran over {MAX_LOOP_ITERATIONS} iterations",
            id="nested-loops",
        ),
        pytest.param(
            "{% for a in entry.tags %}{% for b in range(2000) %}{% endfor %}{% endfor %}",
            "loops ran over",
            id="loops-share-one-budget",
        ),
        pytest.param("{{ range(10 ** 9) | list | length }}", "range of 1000000000 numbers is over", id="huge-range"),
        pytest.param(
            "{% for i in range(2000) %}xxxxxxxxxxxxxxxxxxxx{% endfor %}",
            "characters or items is over the",
            id="output-too-long",
        ),
    ],
)
def test_escapes_and_resource_abuse_are_refused_at_render(template: str, reason: str) -> None:
    with pytest.raises(SecurityError) as caught:
        render(template)
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{{ lipsum(99999) }}", id="lipsum"),
        pytest.param("{{ cycler('a').next() }}", id="cycler"),
        pytest.param("{{ namespace(a=1).a + 1 }}", id="namespace"),
    ],
)
def test_globals_other_than_range_do_not_exist(template: str) -> None:
    with pytest.raises(UndefinedError):
        render(template)


def test_a_loop_budget_is_per_render_not_per_template() -> None:
    template = compile_template("{% for i in range(1500) %}{% endfor %}done")
    assert [template.render({}) for _ in range(3)] == ["done", "done", "done"]
