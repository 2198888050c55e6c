"""Charts: what each shows matches the results it is drawn from; both renderers draw every chart."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from scslab import plots
from scslab.results import SCORE_OFFSET, median_days_listed, score_frame
from scslab.scenario.schema import GRADES, grade_floors

from runs import central_asia_run, china_run

matplotlib.use("Agg")

ONE_COUNTRY = ["lists", "blocked_purchases", "wrongful_by_group", "expression", "scores", "recovery"]


@pytest.mark.parametrize("run, expected", [(china_run, ONE_COUNTRY),
                                           (central_asia_run, ONE_COUNTRY + ["trust", "transfers", "flows"])])
def test_every_chart_renders_in_both_backends(run, expected):
    results = run()
    charts = plots.charts(results)
    assert [c.name for c in charts] == expected
    for chart in charts:
        figure = plots.to_plotly(chart)
        assert figure.layout.title.text == chart.title
        bands = sum(s.band is not None and s.kind == "line" for s in chart.series)  # a shaded trace each
        assert len(figure.data) == len(chart.series) + bands + (chart.matrix is not None)
        for s in chart.series:  # every band holds its line or bar
            if s.band is not None:
                assert np.all(np.asarray(s.band[0]) <= np.asarray(s.y)) and np.all(np.asarray(s.y) <= s.band[1])
    figure = results.plot()
    assert len([ax for ax in figure.axes if ax.get_visible() and ax.get_title()]) == len(expected)
    assert len(results.plot(backend="plotly")) == len(expected)


def test_one_country_runs_have_no_country_charts():
    results = china_run()
    assert plots.chart(results, "trust") is None and plots.chart(results, "transfers") is None
    with pytest.raises(ValueError, match="nothing to show"):
        results.plot("trust")


def test_plot_rejects_unknown_names_and_backends():
    results = china_run()
    with pytest.raises(KeyError, match="unknown chart 'nope'"):
        results.plot("nope")
    with pytest.raises(ValueError, match="backend"):
        results.plot(backend="bokeh")


def test_list_chart_draws_the_time_series():
    results = china_run()
    chart = plots.chart(results, "lists")
    by_name = {s.name: s for s in chart.series}
    np.testing.assert_array_equal(by_name["on a list now"].y, results.timeseries["listed"])
    np.testing.assert_array_equal(by_name["exits since the start"].y, results.timeseries["delisted_total"])


def test_blocked_purchases_show_the_published_figures_inside_the_run():
    chart = plots.chart(china_run(), "blocked_purchases")
    published = [s for s in chart.series if s.kind == "markers"]
    assert {s.name for s in published} == {"flights blocked (published)", "train tickets blocked (published)"}
    flights = next(s for s in published if s.name.startswith("flights"))
    assert 14.63e6 in list(flights.y)  # 14.63 M blocked flight purchases by 30 Sep 2018


def test_wrongful_listings_are_per_100000_people_of_each_group():
    results = china_run()
    chart = plots.chart(results, "wrongful_by_group")
    last = results.by_group[results.by_group["day"] == results.by_group["day"].max()].set_index("group")
    wrong = next(s for s in chart.series if s.name.startswith("wrongly"))
    for group, value in zip(wrong.x, wrong.y):
        share = next(g.share for g in results.scenario.population.groups if g.name == group)
        expected = last.loc[group, "wrongly_listed"] / (share * results.scenario.population.size) * 1e5
        assert value == pytest.approx(expected)


def test_score_distribution_adds_up_to_the_grades_at_the_end():
    results = china_run()
    by_grade = results.scores.groupby("grade", observed=True)["people"].sum()
    for grade, people in results.summary["grades_at_end"].items():
        assert by_grade.get(grade, 0) == pytest.approx(people, abs=len(results.scores))  # rounding per score
    chart = plots.chart(results, "scores")
    assert sum(float(np.sum(s.y)) for s in chart.series) == results.scores["people"].sum()


def test_recovery_times_add_up_to_the_exits_by_route():
    results = china_run()
    end = results.timeseries.iloc[-1]
    by_route = results.recoveries.groupby("route", observed=True)["people"].sum()
    for route in ("expired", "deleted", "community_service", "corrected"):
        assert by_route.get(route, 0) == pytest.approx(end[f"{route}_total"], rel=1e-3, abs=1e4)
    mean = (results.recoveries["days_listed"] * results.recoveries["people"]).sum() / results.recoveries["people"].sum()
    assert mean == pytest.approx(results.summary["mean_days_listed_at_exit"], rel=1e-3)


def test_transfer_flows_sum_the_ledger():
    results = central_asia_run()
    matrix = plots.chart(results, "transfers").matrix
    assert matrix.to_numpy().sum() == results.transfers["records"].sum() > 0
    row = results.transfers.iloc[0]
    assert matrix.loc[row["from_country"], row["to_country"]] >= row["records"]


def test_scores_get_the_grade_whose_floor_they_reach():
    national = {"AAA": 1050, "AA": 1030, "A": 960, "B": 850, "C": 600}
    pilot = {"AAA": 1100, "AA": 1030, "A": 1000, "B": 900, "C": 0}
    counts = np.zeros((2, 2 * SCORE_OFFSET), np.int64)
    for score in (1050, 1049, 1030, 960, 959, 600, 599, 0, -5):
        counts[:, score + SCORE_OFFSET] = 1
    floors = np.array([grade_floors(national), grade_floors(pilot)])
    frame = score_frame(counts, ["national", "city"], floors, scale=2.0).set_index(["rulebook", "score"])
    grade = frame["grade"]
    assert grade["national", 1050] == "AAA" and grade["national", 1049] == "AA"
    assert grade["national", 960] == "A" and grade["national", 959] == "B"
    assert grade["national", 600] == "C" and grade["national", 599] == "D"
    assert grade["national", -5] == "D" and list(frame["grade"].cat.categories) == list(GRADES)
    assert grade["city", 1050] == "AA" and grade["city", 959] == "B" and grade["city", 599] == "C"
    assert grade["city", 0] == "C" and grade["city", -5] == "D"
    assert (frame["people"] == 2).all() and len(frame) == 18


def test_median_days_listed_is_the_weighted_median():
    frame = pd.DataFrame({"days_listed": [10, 20, 300], "route": "expired", "people": [1, 5, 3]})
    assert median_days_listed(frame) == 20
    assert median_days_listed(frame.assign(people=0)) is None
