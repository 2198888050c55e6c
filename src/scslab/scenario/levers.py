"""The main policy levers of a scenario, found in the schema, and how to set them.

A field is a lever when the schema marks it (``param(..., lever=...)``) and every
table on the way to it is marked too: camera coverage and false-match disparity,
the secret or public rulebook, the rehabilitation rates, each data-sharing
arrangement on or off, each sector's access to records, the credit-information market on or off.
Dashboards build their controls from :func:`levers`, so marking a field in the schema is all it takes
to offer a new control.

A lever whose value is a schedule (points over time) is offered as a multiplier
of the whole schedule, so that its shape over time is kept.
"""

from __future__ import annotations

import copy
import typing
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from .reference import keyed_model
from .schema import COUNTRY_SECTIONS, Scenario


@dataclass(frozen=True)
class Lever:
    """One control: where it writes, what it means, and what values it takes."""

    path: tuple[str, ...]
    label: str
    meaning: str
    unit: str
    kind: Literal["number", "switch", "choice"]
    value: object  # the scenario's value (a number, bool or word); 1.0 for a schedule multiplier
    low: float | None = None
    high: float | None = None
    options: tuple[str, ...] = ()
    schedule: bool = False  # the control multiplies every point of a schedule

    @property
    def key(self) -> str:
        return ".".join(self.path)


def _lever_mark(field):
    return (field.json_schema_extra or {}).get("lever")


def _label(path: tuple[str, ...]) -> str:
    if path[0] == "countries":
        path = path[2:]
    words = [part.replace("_", " ") for part in path if part not in ("channels", "rate_per_year")]
    return " ".join(words).capitalize()


def _walk(model: BaseModel, prefix: tuple[str, ...], groups: list[str]) -> list[Lever]:
    out = []
    for name, field in type(model).model_fields.items():
        mark = _lever_mark(field)
        if mark is None:
            continue
        path = prefix + (name,)
        value = getattr(model, name)
        extra = field.json_schema_extra or {}
        unit, meaning = extra.get("unit", ""), field.description or ""
        if isinstance(value, BaseModel):
            out.extend(_walk(value, path, groups))
        elif isinstance(value, dict) and keyed_model(field) is not None:
            for key, item in value.items():
                out.extend(_walk(item, path + (key,), groups))
        elif isinstance(value, dict):  # a multiplier per population group
            low, high = mark
            for group in groups:
                out.append(Lever(path + (group,), _label(path + (group,)), meaning, unit, "number",
                                 float(value.get(group, 1.0)), low, high))
        elif isinstance(value, bool):
            out.append(Lever(path, _label(path), meaning, unit, "switch", value))
        elif typing.get_origin(field.annotation) is Literal:
            out.append(Lever(path, _label(path), meaning, unit, "choice", value,
                             options=tuple(typing.get_args(field.annotation))))
        elif isinstance(value, list):  # a schedule: scale it
            high = mark[1] / max(max(v for _, v in value), 1e-12)
            out.append(Lever(path, _label(path) + " (x schedule)", meaning, "x", "number", 1.0, 0.0,
                             round(high, 3), schedule=True))
        else:
            low, high = mark
            out.append(Lever(path, _label(path), meaning, unit, "number", float(value), low, high))
    return out


def levers(scenario: Scenario, country: str | None = None) -> list[Lever]:
    """The levers of a scenario; in a many-country scenario, ``country``'s and the data-sharing switches."""
    if not scenario.countries:  # the market trades between countries: no lever here
        return [lever for lever in _walk(scenario, (), [g.name for g in scenario.population.groups])
                if lever.path[0] != "market"]
    if country not in scenario.countries:
        raise KeyError(f"country {country!r} is not in the scenario (countries: {', '.join(scenario.countries)})")
    sections = scenario.countries[country]
    own = _walk(sections, ("countries", country), [g.name for g in sections.population.groups])
    top = [lever for lever in _walk(scenario, (), []) if lever.path[0] not in COUNTRY_SECTIONS]
    return own + top


def set_levers(data: dict, values: dict[Lever, object]) -> dict:
    """A copy of resolved scenario data (``to_data``) with the levers set to ``values``."""
    out = copy.deepcopy(data)
    for lever, value in values.items():
        node = out
        for key in lever.path[:-1]:
            node = node.setdefault(key, {})
        last = lever.path[-1]
        if lever.schedule:
            node[last] = [[date, point * float(value)] for date, point in node[last]]
        elif lever.kind == "number":
            node[last] = float(value)
        else:
            node[last] = value
    return out
