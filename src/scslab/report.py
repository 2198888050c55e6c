"""A run's report: one self-contained HTML file (interactive charts, what happened and to whom,
the key parameters with their sources, the model's caveats) and a PNG of each chart.

The report makes no network request: Plotly's JavaScript is written into the file, and
nothing is loaded from elsewhere, so it opens offline and can be sent as one attachment.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import jinja2

from . import __version__, plots
from .files import atomic_directory, check_directory, check_file, head, write_text_atomic
from .results import FIGURES_DIRECTORY, Results, run_kind
from .scenario.levers import levers
from .scenario.loading import builtin_chain, builtin_names, builtin_path, read_raw, to_data
from .scenario.reference import file_notes, parameter_rows
from .scenario.schema import GRADES, Scenario
from .summary import (SMALL_CELL, arrangement_figures, counted, country_figures, country_scale, figure, flow_figures,
                      per_agent, sector_scale, sentences, telling_sectors, terms)

CAVEATS = (
    "The population is synthetic: it is built from published aggregate statistics, and no person in it is real. "
    "Figures are estimates for a population like the one described, not counts of real people.",
    "Each agent stands for many people (the scale is given below). Every figure carries its 95% interval in "
    "brackets (over the replicate seeds, or the Poisson interval of one run's agents); a figure resting on fewer "
    "than 30 agents says so. Run more agents or seeds before relying on a flagged figure or on a difference whose "
    "interval includes none.",
    "Much of the real system is unpublished (which behaviours are scored, how records are matched, how often "
    "lists are corrected). Where the scenario had no published figure, its value is an assumption, marked as "
    "such in the parameter table.",
    "Fitting the published totals does not prove the mechanisms are right: several parameter sets fit them "
    "equally well (docs/calibration.md).",
    "Wrongful listings come from false records (misidentification, malicious reports, clerical errors) at the "
    "rates the scenario assumes; real error rates are not published.",
    "Lawful expression is compared with the same simulated people with no system. The size of the chilling "
    "effect rests on elasticities from studies of other surveillance programmes.",
    "scslab models, it never operates: it cannot take records about real people, and nothing in this report "
    "is about a real person.",
)
"""What a reader should keep in mind, shown in every report."""

REPORT_FILE = "report.html"


def key_parameters(scenario: Scenario) -> list[dict]:
    """The parameters a reader should see: the levers, and every value with a published source or a note.

    The source is the scenario file's note on that value when the value is the built-in
    scenario's, the schema's source when it is the schema default, otherwise "set for this run".
    """
    notes, builtin = {}, {}
    if scenario.name in builtin_names():
        for name in builtin_chain(scenario.name, scenario.name):  # a built-in that extends another has its notes too
            notes.update(file_notes(builtin_path(name).read_text(encoding="utf-8")))
        data, _ = read_raw(scenario.name)
        builtin = _values(Scenario.model_validate(data))
    defaults = _values(Scenario())
    all_levers = _all_levers(scenario)
    lever_fields = {_lever_field(lever) for lever in all_levers}
    rows = []
    for row in _leaf_rows(scenario):
        path, value = row["path"], row["default"]
        if "<name>" in path or value in ({}, [], None, ""):
            continue
        from_file = path in builtin and builtin[path] == value
        published = (notes.get(path) if from_file else None) or (row["source"] if defaults.get(path) == value else "")
        if not (path in lever_fields or published):
            continue
        if published:
            source = published
        elif from_file and defaults.get(path) != value:
            source = "the built-in scenario's value (no source given)"
        elif defaults.get(path) == value:
            source = "assumed (schema default)"
        else:
            source = "set for this run"
        rows.append({"path": path, "value": _show(value), "unit": row["unit"], "meaning": row["meaning"],
                     "source": source, "lever": path in lever_fields})
    data = to_data(scenario)
    for lever in all_levers:  # levers inside named tables (countries, arrangements)
        path = _lever_field(lever)
        if any(row["path"] == path for row in rows):
            continue
        node = data
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        rows.append({"path": path, "value": _show(node), "unit": lever.unit if not lever.schedule else "",
                     "meaning": lever.meaning, "source": notes.get(path, ""), "lever": True})
    return rows


def _values(scenario: Scenario) -> dict:
    return {row["path"]: row["default"] for row in _leaf_rows(scenario)}


def _all_levers(scenario: Scenario):
    if scenario.countries:
        return [lever for country in scenario.countries for lever in levers(scenario, country)]
    return levers(scenario)


def _lever_field(lever) -> str:
    """The parameter a lever sets (a per-group multiplier sets one key of its table)."""
    return ".".join(lever.path[:-1] if lever.path[-2] == "group_false_match" else lever.path)


def _leaf_rows(scenario: Scenario) -> list[dict]:
    return [row for row in parameter_rows(Scenario, scenario) if not row["table"]]


def _show(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], (list, tuple)):
        return ", ".join(f"{p[0]}: {p[1]:g}" if isinstance(p[1], float) else f"{p[0]}: {p[1]}" for p in value)
    if isinstance(value, list) and value and isinstance(value[0], dict) and "name" in value[0]:
        return ", ".join(" ".join(str(v) for v in item.values()) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _headline(summary: dict) -> list[tuple[str, str]]:
    spread = (summary.get("intervals") or {}).get("expression_rate_last_365_days")
    chilled = f"{1 - summary.get('expression_rate_last_365_days', 1.0):.1%}"
    if spread:
        chilled = f"{1 - spread['value']:.1%} [{1 - spread['high']:.1%}-{1 - spread['low']:.1%}]"
    items = [
        ("people put on a blacklist", figure(summary, "listed_total")),
        ("on a list at the end", figure(summary, "listed")),
        ("of them wrongly", figure(summary, "wrongly_listed")),
        ("flight purchases blocked", figure(summary, "flight_blocks_total")),
        ("train purchases blocked", figure(summary, "train_blocks_total")),
        ("lawful speech chilled (last year)", chilled),
    ]
    days = summary.get("median_days_listed_at_exit")
    if days is not None:
        items.append(("median days on a list before getting off", f"{days:,.0f}"))
    return items


def harm_basis(scenario: Scenario) -> dict | None:
    """The shipped analysis of what the headline harms rest on (``tools/harm_basis.py``), for a run of the
    scenario it was made for; None for another."""
    path = resources.files("scslab.data").joinpath("basis", f"{scenario.name}.json")
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def render(results: Results, command: str | None = None) -> tuple[str, list[plots.Chart]]:
    """The report's HTML and the charts in it."""
    import plotly.offline

    charts = plots.charts(results)
    config = {"displaylogo": False, "responsive": True,
              "toImageButtonOptions": {"format": "png", "scale": 2}}
    figures = [{"chart": c, "html": plots.to_plotly(c).to_html(full_html=False, include_plotlyjs=False,
                                                                config=config, div_id=f"chart-{c.name}")}
               for c in charts]
    summary = results.summary
    template = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: resources.files("scslab.templates").joinpath(name).read_text()),
        autoescape=True,
    ).get_template("report.html.j2")
    page = template.render(
        summary=summary, scenario=results.scenario, story=sentences(summary), headline=_headline(summary),
        figures=figures, parameters=key_parameters(results.scenario), caveats=CAVEATS,
        targets=summary.get("targets") or [], basis=harm_basis(results.scenario),
        countries={name: country_figures(summary, name) for name in summary.get("countries_at_end") or {}},
        arrangements={name: arrangement_figures(summary, name) for name in summary.get("arrangements") or {}},
        flows={name: flow_figures(summary, name) for name in summary.get("flows") or {}},
        command=command, version=__version__, per_agent=per_agent(summary),
        firms=telling_sectors(summary), market=summary.get("market"), grades=GRADES, terms=terms,
        scale_of=lambda key: sector_scale(summary, key), small_cell=SMALL_CELL,
        records=lambda pair, records: counted(records, country_scale(summary, pair.split(" -> ")[0])),
        made=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        plotly_js=jinja2.utils.markupsafe.Markup(plotly.offline.get_plotlyjs()),
    )
    return page, charts


def _is_report(path: Path) -> bool:
    return "<title>scslab report: " in head(path, 1000)


def write_report(run_dir: str | Path, results: Results | None = None, command: str | None = None) -> Path:
    """Write ``report.html`` and ``figures/<chart>.png`` into a run's directory; returns the report's path.

    An earlier report and its figures are replaced; anything else there is left alone, and a
    ``report.html`` or ``figures/`` that scslab did not write stops it (:class:`~scslab.files.OutputError`).
    """
    run_dir = Path(run_dir)
    target, figures = run_dir / REPORT_FILE, run_kind().folders[FIGURES_DIRECTORY]
    check_file(target, _is_report, "report", overwrite=True)
    check_directory(run_dir / FIGURES_DIRECTORY, figures, overwrite=True)
    results = results if results is not None else Results.load(run_dir)
    page, charts = render(results, command)
    with atomic_directory(run_dir / FIGURES_DIRECTORY, figures, overwrite=True) as tmp:
        plots.save_pngs(charts, tmp)
    write_text_atomic(target, page)
    return target
