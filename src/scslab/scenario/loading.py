"""Loading scenarios: built-in names or TOML files, ``--set`` overrides, one-line errors."""

from __future__ import annotations

import copy
import datetime as dt
import re
import tomllib
from importlib import resources
from pathlib import Path

import tomli_w
from pydantic import ValidationError

from .schema import Scenario, merged

BUILTIN_PACKAGE = "scslab.scenario.builtin"

MAX_FILE_BYTES = 1024 * 1024
"""Largest scenario or targets file read (the built-in scenarios are under 20 KiB)."""
MAX_DEPTH = 32
"""Deepest nesting of tables, dotted keys and arrays read (the built-in scenarios reach 7)."""


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line naming file, field and problem."""


def builtin_names() -> list[str]:
    files = resources.files(BUILTIN_PACKAGE).iterdir()
    return sorted(f.name[:-5] for f in files if f.name.endswith(".toml"))


def builtin_path(name: str):
    return resources.files(BUILTIN_PACKAGE).joinpath(f"{name}.toml")


def _format_error(source: str, error: ValidationError, data=None) -> str:
    errors = _relevant_errors(error, data)
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    where = f"field {field}: " if field else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{source}: {where}{message}{more}"


def _relevant_errors(error: ValidationError, data) -> list[dict]:
    """The errors worth reporting, with union branch names taken out of their locations.

    A schedule is a number or a list of ``[date, value]`` points; pydantic reports a bad
    one once per branch (``...constrained-float``, ``...list[tuple[...]]``). Only the
    branch that matches the shape of the input says what is actually wrong.
    """
    kept = []
    for item in error.errors():
        loc, through_union, node = [], False, data
        for part in item["loc"]:
            if isinstance(part, str) and node is not None and not isinstance(node, dict):
                through_union = True  # a branch name: not a key of the input
                continue
            loc.append(part)
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                node = None
        kept.append({**item, "loc": tuple(loc), "_union": through_union, "_depth": len(item["loc"])})
    # a branch that rejected the whole input as the wrong kind of value (a list is not a number)
    right_shape = [e for e in kept
                   if not (e["_union"] and e["type"].endswith("_type") and e["_depth"] == len(e["loc"]) + 1)]
    return right_shape or kept


def validate(data: dict, source: str) -> Scenario:
    """Validate raw scenario data; raise ScenarioError with a one-line message."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(_format_error(source, error, data)) from None


def read_raw(spec: str) -> tuple[dict, str]:
    """Raw TOML data and a display name for a built-in scenario name or a file path."""
    path = Path(spec)
    if spec in builtin_names() and not path.exists():
        source = f"{spec} (built-in)"
        return parse_toml(builtin_path(spec).read_text(encoding="utf-8"), source), source
    if not path.exists():
        known = ", ".join(builtin_names())
        raise ScenarioError(f"{spec}: no such file and not a built-in scenario (built-in: {known})")
    if path.is_dir():
        raise ScenarioError(f"{spec}: is a directory, not a scenario file")
    try:
        check_size(spec, path.stat().st_size)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{spec}: cannot be read ({error})") from None
    return parse_toml(text, spec), spec


def parse_toml(text: str, source: str) -> dict:
    """Raw data of scenario-file text, laid over the built-in scenario it ``extends``.

    A syntax error, a file too large or too deeply nested (checked before parsing), an empty
    file, or an ``extends`` that names no built-in scenario, is a ScenarioError naming ``source``.
    """
    data = _loads(text, source)
    if not data:
        raise ScenarioError(f'{source}: empty scenario file (it needs at least name = "...")')
    if "extends" not in data:
        return data
    chain = builtin_chain(data["extends"], source)
    base = {}
    for name in chain:
        own = tomllib.loads(builtin_path(name).read_text(encoding="utf-8"))
        base = merged(base, {k: v for k, v in own.items() if k != "extends"})
    return merged(base, {k: v for k, v in data.items() if k != "extends"})


def check_size(source: str, size: int) -> None:
    """Raise ScenarioError if a file of ``size`` bytes is over MAX_FILE_BYTES."""
    if size > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: {size:,} bytes, more than the {MAX_FILE_BYTES // 1024:,} KiB allowed")


def _loads(text: str, source: str) -> dict:
    """TOML ``text`` parsed once its size and nesting are known to be within the limits."""
    check_size(source, len(text.encode("utf-8", "surrogatepass")))
    check_depth(text, source)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{source}: TOML syntax error: {error}") from None
    except (RecursionError, MemoryError):
        raise ScenarioError(f"{source}: too complex to read") from None


_TOKEN = re.compile(r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*'
                    r'|[\[\]{}=.,\n]')
"""What nesting depends on in TOML text: strings and comments (skipped whole), brackets, '=', '.', ',', newlines."""


def check_depth(text: str, source: str) -> None:
    """Raise ScenarioError if tables, dotted keys and arrays nest deeper than MAX_DEPTH.

    A cheap scan, without parsing: the parser recurses into arrays and slows down badly on
    very deep dotted keys, so deep text is refused before it is parsed.
    """
    table = 0  # depth of the current [table]
    header = None  # depth so far, inside a [table] or [[array of tables]] header
    stack: list[tuple[str, int]] = []  # open arrays and inline tables, each with its depth
    in_key, dots, value = True, 0, 0

    def deeper(depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ScenarioError(f"{source}: nested more than {MAX_DEPTH} levels deep (tables, dotted keys and "
                                f"arrays together)")

    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0] in "\"'#":
            continue
        if header is not None:
            if token in ".[":
                header += 1
                deeper(header)
            elif token in "]\n":
                table, header = header, None
            continue
        if token == "\n":
            if not stack:
                in_key, dots = True, 0
        elif token in "]}" and stack:
            stack.pop()
            in_key = False
            if stack and stack[-1][0] == "[":
                value = stack[-1][1] + 1
        elif in_key:
            container = stack[-1][1] if stack else table
            if token == "[" and not stack:
                header = 1
            elif token == ".":
                dots += 1
                deeper(container + dots + 1)
            elif token == "=":
                value, in_key = container + dots + 1, False
                deeper(value)
        elif token in "[{":
            stack.append((token, value))
            if token == "[":
                value += 1
                deeper(value)
            else:
                in_key, dots = True, 0
        elif token == "," and stack and stack[-1][0] == "{":
            in_key, dots = True, 0


def builtin_chain(name, source: str) -> list[str]:
    """The built-in scenarios ``extends = name`` builds on, the first one first (``name`` last)."""
    chain = []
    while True:
        if not isinstance(name, str) or name not in builtin_names():
            raise ScenarioError(f"{source}: field extends: {name!r} is not a built-in scenario "
                                f"(built-in: {', '.join(builtin_names())})")
        if name in chain:
            raise ScenarioError(f"{source}: field extends: {name!r} extends itself")
        chain.insert(0, name)
        name = tomllib.loads(builtin_path(name).read_text(encoding="utf-8")).get("extends")
        if name is None:
            return chain


def parse_override(text: str) -> tuple[list[str], object]:
    """Split ``a.b.c=VALUE``; VALUE is read as TOML (number, bool, date, array, "string"), else as a bare string."""
    if "=" not in text:
        raise ScenarioError(f"--set {text}: expected PATH=VALUE")
    path, raw = text.split("=", 1)
    parts = [p for p in path.strip().split(".")]
    if not path.strip() or any(not p for p in parts):
        raise ScenarioError(f"--set {text}: empty parameter path")
    label = f"--set {path.strip()}"
    if len(parts) > MAX_DEPTH:
        raise ScenarioError(f"{label[:80]}...: a path of more than {MAX_DEPTH} parts")
    value_text = f"v = {raw.strip()}"
    check_size(label, len(value_text.encode("utf-8", "surrogatepass")))
    check_depth(value_text, label)
    try:
        value = tomllib.loads(value_text)["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    except (RecursionError, MemoryError):
        raise ScenarioError(f"{label}: too complex to read") from None
    return parts, value


def apply_override(data: dict, parts: list[str], value, label: str) -> None:
    """Set ``value`` at the dotted path in raw scenario data (list items by index)."""
    node = data
    for depth, key in enumerate(parts[:-1]):
        prefix = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            node = _list_item(node, key, label, prefix)
        else:
            if key not in node:
                node[key] = {}
            node = node[key]
        if not isinstance(node, (dict, list)):
            raise ScenarioError(f"{label}: field {prefix} is a value, not a table")
    last = parts[-1]
    if isinstance(node, list):
        index = int(last) if last.isdigit() else None
        if index is None or index >= len(node):
            raise ScenarioError(f"{label}: field {'.'.join(parts)}: no such list item")
        node[index] = value
    else:
        node[last] = value


def _list_item(items: list, key: str, label: str, prefix: str):
    if not key.isdigit() or int(key) >= len(items):
        raise ScenarioError(f"{label}: field {prefix}: no such list item")
    return items[int(key)]


def load(spec: str, overrides: list[str] = ()) -> Scenario:
    """Load a built-in name or TOML path, apply ``PATH=VALUE`` overrides, and validate.

    Overrides are applied together before validation, so that several of them can make
    a consistent change (group shares that still sum to 1); an error names the override
    that caused it.
    """
    data, source = read_raw(spec)
    if not overrides:
        return validate(data, source)
    return with_overrides(data, source, overrides)


def with_overrides(data: dict, source: str, overrides: list[str]) -> Scenario:
    """The scenario of ``data`` (read from ``source``) with ``PATH=VALUE`` ``overrides`` applied, validated."""
    base = _fill_defaults(data, source)
    data = copy.deepcopy(base)
    parsed = []
    for text in overrides:
        parts, value = parse_override(text)
        apply_override(data, parts, value, f"--set {text}")
        parsed.append((text, parts, value))
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        culprit = _culprit(base, parsed, _relevant_errors(error, data)[0]["loc"])
        raise ScenarioError(_format_error(f"--set {culprit}", error, data)) from None


def _culprit(base: dict, parsed: list, loc: tuple) -> str:
    """The override to blame: the last one touching the invalid field, else the one that broke validity."""
    field = [str(part) for part in loc]
    if field:
        touching = [text for text, parts, _ in parsed
                    if parts[: len(field)] == field[: len(parts)]]
        if touching:
            return touching[-1]
    for count in range(len(parsed) - 1, 0, -1):
        data = copy.deepcopy(base)
        for text, parts, value in parsed[:count]:
            apply_override(data, parts, copy.deepcopy(value), f"--set {text}")
        try:
            Scenario.model_validate(data)
        except ValidationError:
            continue
        return parsed[count][0]
    return parsed[0][0]


def _fill_defaults(data: dict, source: str) -> dict:
    """Resolved data, so that overrides can reach parameters the file leaves at defaults."""
    return to_data(validate(data, source))


def to_data(scenario: Scenario) -> dict:
    """The fully resolved scenario as plain TOML-ready data (dates stay dates)."""
    return _plain(scenario.model_dump(mode="python"))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def dumps(scenario: Scenario) -> str:
    """The resolved scenario as TOML; loading it gives the same scenario."""
    return tomli_w.dumps(to_data(scenario))
