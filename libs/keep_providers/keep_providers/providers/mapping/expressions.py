"""Field expressions of a mapping, compiled once per config.

An expression is one of:
- a JSONPath (`$.host.name`), evaluated against the alert entry; `$$` instead of `$`
  evaluates it against the whole body (`$$.receiver`);
- a template (contains `{{` or `{%`), rendered in the sandbox with `entry`, `body` and
  `headers`;
- an object of expressions (`{"team": "$.owner", "tier": "gold"}`), which yields an
  object (labels, annotations);
- any other string, taken literally.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.ext.arithmetic import Operation
from jsonpath_ng.ext.filter import Expression as FilterExpression
from jsonpath_ng.ext.parser import parse as parse_jsonpath
from jsonpath_ng.ext.string import Sub

from keep_providers.exceptions import FormatterError
from keep_providers.providers.mapping.sandbox import CompiledTemplate, compile_template

__all__ = [
    "Expression",
    "ExpressionError",
    "JsonPathExpression",
    "LiteralExpression",
    "ObjectExpression",
    "Scope",
    "TemplateExpression",
    "compile_expression",
    "compile_jsonpath",
]

MAX_OBJECT_KEYS = 50
_BODY_PREFIX = "$$"


class ExpressionError(FormatterError):
    """An expression could not be evaluated against this entry."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What an expression sees: the entry it maps, the whole body, the request headers."""

    entry: Any
    body: Any
    headers: Mapping[str, str]


class Expression(Protocol):
    def evaluate(self, scope: Scope) -> Any:
        """The value, or None when the entry has none; ExpressionError when it fails."""


@dataclass(frozen=True, slots=True)
class JsonPathExpression:
    path: JSONPath
    on_body: bool

    def evaluate(self, scope: Scope) -> Any:
        try:
            values = [match.value for match in self.path.find(scope.body if self.on_body else scope.entry)]
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ExpressionError(f"JSONPath failed: {type(exc).__name__}: {exc}") from None
        if not values:
            return None
        return values[0] if len(values) == 1 else values


@dataclass(frozen=True, slots=True)
class TemplateExpression:
    template: CompiledTemplate

    def evaluate(self, scope: Scope) -> Any:
        try:
            rendered = self.template.render({"entry": scope.entry, "body": scope.body, "headers": scope.headers})
        # A tenant's template can fail in any way Python can; each one costs only its field.
        except Exception as exc:
            raise ExpressionError(f"template failed: {type(exc).__name__}: {exc}") from None
        return rendered if rendered.strip() else None


@dataclass(frozen=True, slots=True)
class LiteralExpression:
    value: str

    def evaluate(self, scope: Scope) -> Any:
        return self.value


@dataclass(frozen=True, slots=True)
class ObjectExpression:
    items: tuple[tuple[str, Expression], ...]

    def evaluate(self, scope: Scope) -> Any:
        values = ((key, expression.evaluate(scope)) for key, expression in self.items)
        return {key: value for key, value in values if value is not None}


def _refused_jsonpath_part(node: object) -> str | None:
    """Regular expressions (ReDoS on payload text) and arithmetic (string repetition)
    would let a payload make the shared normalizer slow or big."""
    if isinstance(node, Sub) or (isinstance(node, FilterExpression) and node.op == "=~"):
        return "regular expressions are not available in mapping JSONPaths"
    if isinstance(node, Operation):
        return "arithmetic is not available in mapping JSONPaths"
    children = vars(node).values() if hasattr(node, "__dict__") else ()
    for child in children:
        for item in child if isinstance(child, list | tuple) else (child,):
            if isinstance(item, JSONPath) and (refused := _refused_jsonpath_part(item)) is not None:
                return refused
    return None


@functools.lru_cache(maxsize=256)
def compile_jsonpath(source: str) -> JSONPath:
    """Raises ValueError with the reason for a path that is invalid or not allowed."""
    try:
        path = parse_jsonpath(source)
    except (JSONPathError, ValueError, TypeError) as exc:
        raise ValueError(f"{source!r} is not a valid JSONPath: {exc}") from None
    refused = _refused_jsonpath_part(path)
    if refused is not None:
        raise ValueError(f"{source!r}: {refused}")
    return path


# Compiled expressions are immutable, so configs that repeat a source text share one,
# and re-parsing a stored config does not compile its templates again.
@functools.lru_cache(maxsize=1024)
def _compile_text(source: str) -> Expression:
    if "{{" in source or "{%" in source:
        return TemplateExpression(compile_template(source))
    if source.startswith(_BODY_PREFIX):
        return JsonPathExpression(compile_jsonpath("$" + source[len(_BODY_PREFIX) :]), on_body=True)
    if source.startswith("$"):
        try:
            return JsonPathExpression(compile_jsonpath(source), on_body=False)
        except ValueError as exc:
            hint = "a literal starting with '$' is written as a template: {{ '$...' }}"
            raise ValueError(f"{exc} ({hint})") from None
    return LiteralExpression(source)


def compile_expression(source: str | Mapping[str, str]) -> Expression:
    """Raises ValueError with the reason for an expression that cannot be used."""
    if isinstance(source, str):
        return _compile_text(source)
    if len(source) > MAX_OBJECT_KEYS:
        raise ValueError(f"an object expression has at most {MAX_OBJECT_KEYS} keys, not {len(source)}")
    items: list[tuple[str, Expression]] = []
    for key, text in source.items():
        try:
            items.append((key, _compile_text(text)))
        except ValueError as exc:
            raise ValueError(f"{key!r}: {exc}") from None
    return ObjectExpression(tuple(items))
