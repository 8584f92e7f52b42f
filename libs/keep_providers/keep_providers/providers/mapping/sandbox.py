"""The Jinja2 sandbox that mapping templates render in.

Templates come from tenants' configs and run inside the shared normalizer. Jinja's
immutable sandbox already refuses `_` attributes and changes to lists and dicts; on
top of it every way a short template can build a huge value or spin for long is
bounded: the iterations of all loops of one render, the length of every string or
list an operator, a concatenation or a filter builds, the size of integers, and the
rendered output. Picking, joining, defaulting and re-casing values fit well inside.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateSyntaxError, nodes, pass_environment
from jinja2.environment import Environment
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS, make_attrgetter
from jinja2.runtime import Context, LoopContext, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

__all__ = [
    "MAX_LOOP_ITERATIONS",
    "MAX_TEMPLATE_CHARS",
    "MAX_TEXT_CHARS",
    "SAFE_FILTERS",
    "CompiledTemplate",
    "TemplateRefused",
    "compile_template",
]

MAX_TEMPLATE_CHARS = 2_000
# Any string or list built while rendering, and the rendered output itself.
MAX_TEXT_CHARS = 32_768
# All loops of one render together.
MAX_LOOP_ITERATIONS = 2_000
MAX_INT_BITS = 4_096

# Names the rewritten templates call; user templates may not name anything `_...`.
_LOOP_GUARD = "_loop_guard"
_CONCAT = "_concat"

_REFUSED_STATEMENTS: Mapping[type[nodes.Node], str] = {
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.FilterBlock: "filter",
    nodes.AssignBlock: "set ... endset",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
    nodes.Extends: "extends",
    nodes.Block: "block",
}

# Methods a template may call; everything else callable on a value is refused, so
# that padding and formatting methods (`ljust`, `format`, ...) cannot blow a value up.
_SAFE_METHODS: Mapping[type, frozenset[str]] = {
    str: frozenset(
        {"lower", "upper", "title", "capitalize", "strip", "lstrip", "rstrip", "startswith", "endswith", "split"}
    ),
    dict: frozenset({"get", "keys", "values", "items"}),
    LoopContext: frozenset({"cycle", "changed"}),
}


class TemplateRefused(ValueError):
    """A template that does not compile or uses what mapping templates do not allow."""


def _check_length(length: int) -> None:
    if length > MAX_TEXT_CHARS:
        raise SecurityError(f"a value of {length} characters or items is over the {MAX_TEXT_CHARS} limit")


def _is_sequence(value: Any) -> bool:
    return isinstance(value, str | list | tuple)


@pass_environment
def _join(environment: Environment, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> str:
    if attribute is not None:
        value = map(make_attrgetter(environment, attribute), value)
    parts = [str(item) for item in value]
    _check_length(sum(map(len, parts)) + len(d) * max(len(parts) - 1, 0))
    return d.join(parts)


def _replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(value), str(old), str(new)
    occurrences = text.count(old) if old else len(text) + 1
    if count is not None:
        occurrences = min(occurrences, max(count, 0))
    _check_length(len(text) + occurrences * (len(new) - len(old)))
    return text.replace(old, new, -1 if count is None else count)


def _tojson(value: Any) -> str:
    # No `indent`: a large indent multiplies the output by the nesting depth.
    dumped = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    _check_length(len(dumped))
    return dumped


def _concat(*parts: Any) -> str:
    texts = [str(part) for part in parts]
    _check_length(sum(map(len, texts)))
    return "".join(texts)


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_LOOP_ITERATIONS:
        raise SecurityError(f"range of {len(numbers)} numbers is over the {MAX_LOOP_ITERATIONS} limit")
    return numbers


SAFE_FILTERS: Mapping[str, Any] = {
    **{
        name: FILTERS[name]
        for name in (
            "abs",
            "capitalize",
            "count",
            "d",
            "default",
            "dictsort",
            "first",
            "float",
            "int",
            "items",
            "last",
            "length",
            "list",
            "lower",
            "map",
            "max",
            "min",
            "reject",
            "rejectattr",
            "reverse",
            "round",
            "select",
            "selectattr",
            "sort",
            "string",
            "sum",
            "title",
            "trim",
            "truncate",
            "unique",
            "upper",
            "urlencode",
        )
    },
    "join": _join,
    "replace": _replace,
    "tojson": _tojson,
}


class _LoopGuard:
    """Counts the iterations of every loop of one render against one budget."""

    def __init__(self, budget: int) -> None:
        self._left = budget

    def __call__(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self._left -= 1
            if self._left < 0:
                raise SecurityError(f"loops ran over {MAX_LOOP_ITERATIONS} iterations")
            yield item


class _MappingSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(autoescape=False, undefined=ChainableUndefined)
        self.filters = dict(SAFE_FILTERS)
        self.globals = {"range": _range}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        # Undefined is callable (it raises when called) and chains for `entry.a.b`.
        if not callable(value) or isinstance(obj, Undefined):
            return True
        return any(isinstance(obj, kind) and attr in names for kind, names in _SAFE_METHODS.items())

    def unsafe_undefined(self, obj: Any, attribute: str) -> ChainableUndefined:
        # Fail loudly: Jinja's default renders an empty string, which hides the refusal.
        raise SecurityError(f"attribute {attribute!r} of a {type(obj).__name__} is not available in mapping templates")

    def wrap_str_format(self, value: Any) -> None:
        # `format` is not an allowed method at all (is_safe_attribute refuses it).
        return None

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' string formatting is not available in mapping templates; join with '~'")
        if operator == "+" and _is_sequence(left) and _is_sequence(right):
            _check_length(len(left) + len(right))
        elif operator == "*":
            if _is_sequence(left) and isinstance(right, int):
                _check_length(len(left) * right)
            elif isinstance(left, int) and _is_sequence(right):
                _check_length(left * len(right))
            elif isinstance(left, int) and isinstance(right, int):
                _check_bits(left.bit_length() + right.bit_length())
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            _check_bits(max(left.bit_length(), 1) * right)
        return self.binop_table[operator](left, right)


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise SecurityError(f"a number of about {bits} bits is over the {MAX_INT_BITS} bit limit")


class _Guard(NodeTransformer):
    """Routes every loop through the iteration budget and every `~` through a bounded join."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        visited = self.generic_visit(node)
        assert isinstance(visited, nodes.For)
        visited.iter = _call(_LOOP_GUARD, [visited.iter], visited.lineno)
        return visited

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        visited = self.generic_visit(node)
        assert isinstance(visited, nodes.Concat)
        return _call(_CONCAT, list(visited.nodes), visited.lineno)


def _call(function: str, args: list[nodes.Node], lineno: int) -> nodes.Call:
    call = nodes.Call(nodes.Name(function, "load"), args, [], None, None)
    call.set_lineno(lineno)
    return call


def _refusal(tree: nodes.Template) -> str | None:
    for node in tree.find_all(nodes.Node):
        for kind, tag in _REFUSED_STATEMENTS.items():
            if isinstance(node, kind):
                return f"'{{% {tag} %}}' is not available in mapping templates"
        if isinstance(node, nodes.For) and node.recursive:
            return "recursive loops are not available in mapping templates"
        name = _private_name(node)
        if name is not None:
            return f"{name!r}: names starting with '_' are not available in mapping templates"
    return None


def _private_name(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Name):
        name = node.name
    elif isinstance(node, nodes.Getattr):
        name = node.attr
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        name = node.arg.value
    else:
        return None
    return name if name.startswith("_") else None


_ENVIRONMENT = _MappingSandbox()


class CompiledTemplate:
    def __init__(self, template: Template) -> None:
        self._template = template

    def render(self, variables: Mapping[str, Any]) -> str:
        """Raises SecurityError when a bound is hit, Jinja's errors when rendering fails."""
        chunks: list[str] = []
        size = 0
        context = {**variables, _LOOP_GUARD: _LoopGuard(MAX_LOOP_ITERATIONS), _CONCAT: _concat}
        for chunk in self._template.generate(context):
            size += len(chunk)
            _check_length(size)
            chunks.append(chunk)
        return "".join(chunks)


def compile_template(source: str) -> CompiledTemplate:
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateRefused(f"template is {len(source)} characters, over the {MAX_TEMPLATE_CHARS} limit")
    try:
        tree = _ENVIRONMENT.parse(source)
        refusal = _refusal(tree)
        if refusal is not None:
            raise TemplateRefused(refusal)
        guarded = _Guard().visit(tree)
        assert isinstance(guarded, nodes.Template)
        return CompiledTemplate(_ENVIRONMENT.from_string(guarded))
    except TemplateSyntaxError as exc:
        raise TemplateRefused(f"template syntax error: {exc.message} (line {exc.lineno})") from None
