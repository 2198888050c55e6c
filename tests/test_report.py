"""The HTML report: every chart, no network request, the summary, parameters with sources, caveats, PNGs."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from scslab import plots
from scslab.cli import app
from scslab.report import CAVEATS, harm_basis, key_parameters, write_report
from scslab.summary import figure
from scslab.scenario.loading import load

from browser import browser_page
from runs import central_asia_run, china_run

runner = CliRunner()


def _page_without_plotly_js(html: str) -> str:
    """The report with the inlined plotly.js library taken out (its code names URLs it never loads)."""
    first = html.index("<script>")
    end = html.index("</script>", first)
    return html[:first] + html[end:]


@pytest.fixture(scope="module")
def china_report(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("china")
    results = china_run()
    results.save(run_dir)
    return write_report(run_dir, results), results


def test_report_has_every_chart_and_a_png_of_each(china_report):
    path, results = china_report
    html = path.read_text()
    names = [c.name for c in plots.charts(results)]
    for name in names:
        assert f'id="chart-{name}"' in html
        png = path.parent / "figures" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.stem for p in (path.parent / "figures").iterdir()) == sorted(names)


def test_report_refers_to_nothing_outside_itself(china_report):
    html = _page_without_plotly_js(china_report[0].read_text())
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "https://" not in html and "http://" not in html
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", html)  # everything is inline


def test_report_tells_what_happened_to_whom_with_sources_and_caveats(china_report):
    path, results = china_report
    html = path.read_text()
    shown = html.replace("&#39;", "'")
    assert figure(results.summary, "listed_total") in shown  # headline figure, with its interval
    assert "Wrongly listed per 100,000 people of each group" in html
    assert 'id="basis"' in html and "What this figure rests on" in html
    for output in harm_basis(results.scenario)["harms"]:
        assert f'id="basis-{output}"' in html  # what each headline harm rests on
    assert "Against the published figures" in html and "14,630,000" in html
    for caveat in CAVEATS:
        assert caveat.split(":")[0].split(".")[0] in html
    assert "NBS 7th census (2020): 63.89% urban" in html  # a source from the scenario file's notes
    assert "<code>rulebook.mode</code>" in html  # a lever


def test_report_opens_offline_in_a_browser_and_draws_every_chart(china_report):
    path, results = china_report
    with browser_page() as page:
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(path.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg")
        drawn = page.eval_on_selector_all(".js-plotly-plot", "els => els.filter(e => e.data).length")
    assert drawn == len(plots.charts(results))
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []


def test_many_country_report_has_country_tables_and_charts(tmp_path):
    results = central_asia_run()
    results.save(tmp_path)
    html = write_report(tmp_path, results).read_text()
    assert 'id="countries"' in html and 'id="arrangements"' in html
    assert 'id="chart-trust"' in html and 'id="chart-transfers"' in html


def test_key_parameters_take_sources_from_the_file_schema_or_say_they_were_set():
    rows = {row["path"]: row for row in key_parameters(load("china-2018", ["rulebook.mode=public"]))}
    assert "IHS Markit" in rows["channels.cameras.coverage_urban"]["source"]
    assert rows["channels.cameras.coverage_urban"]["lever"]
    assert rows["rulebook.mode"]["source"] == "set for this run"
    assert rows["response.chilling_elasticity"]["source"] == "Penney 2016; PEN America 2013"
    world = {row["path"] for row in key_parameters(load("central-asia-2020"))}
    assert "alliances.belt_and_road.enabled" in world
    assert "countries.kazakhstan.rulebook.mode" in world


def test_report_command_and_run_report(tmp_path, china_report):
    path, _ = china_report
    result = runner.invoke(app, ["report", str(path.parent)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", "china-2018", "--agents", "3000", "--days", "200", "--quiet",
                                 "--out", str(out), "--report"])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file() and (out / "figures" / "lists.png").is_file()


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing", "no such run directory"),
    (lambda d: d, "not a run directory (missing summary.json"),
])
def test_report_command_errors_are_one_line(tmp_path, make, message):
    result = runner.invoke(app, ["report", str(make(tmp_path))])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_report_of_a_run_with_a_broken_scenario_file_is_one_line(tmp_path, china_report):
    path, results = china_report
    results.save(tmp_path / "run")
    (tmp_path / "run" / "scenario.toml").write_text("name = [")
    result = runner.invoke(app, ["report", str(tmp_path / "run")])
    assert result.exit_code == 2 and "TOML syntax error" in result.output
