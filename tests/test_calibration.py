"""china-2018 against the published debtor-list figures: within 15% from 2017 on where fitted, but for the
recorded miss of the payments; later figures reported as predictions."""

import pandas as pd
import pytest

import scslab
from scslab.summary import describe


@pytest.fixture(scope="module")
def china():
    return scslab.Sim("china-2018", agents=1_000_000, seed=0).run()  # the run of docs/calibration.md


KNOWN_MISS = "fulfilled_total"
"""The structural model does not reproduce the tripling of payments in 2017-2018 (docs/calibration.md,
"Where the fit misses"): its fitted figures are checked against the miss recorded there, not against 15%."""


def test_every_fitted_figure_from_2017_is_within_15_percent(china):
    targets = [t for t in china.summary["targets"] if "2016-12-31" <= t["date"] <= "2018-09-30"]
    assert len(targets) >= 15 and all(t["sample"] == "fit" for t in targets)
    misses = [t for t in targets if abs(t["relative_error"]) > 0.15 and t["quantity"] != KNOWN_MISS]
    assert not misses, misses


def test_the_known_miss_is_no_worse_than_recorded(china):
    paid = {t["date"]: t["relative_error"] for t in china.summary["targets"] if t["quantity"] == KNOWN_MISS}
    assert 0 < paid["2017-03-15"] < 0.3 and -0.4 < paid["2018-05-31"] < 0


def test_figures_after_the_cutoff_are_predictions_not_fitted(china):
    later = [t for t in china.summary["targets"] if t["date"] > "2018-09-30"]
    assert later and all(t["sample"] == "prediction" for t in later)
    assert "prediction" in describe(china.summary)


def test_the_headline_figure_of_the_seed_article(china):
    # 14.6 million blocked flight purchases by September 2018 (fitted; 3.5 million fulfilled by December
    # 2018 is a prediction, reported in docs/calibration.md, not tested against)
    assert china.at("2018-09-30")["flight_blocks_total"] == pytest.approx(14.63e6, rel=0.15)


def test_counting_conventions(china):
    ts = china.timeseries
    # cumulative series never fall; the stock is entries minus exits
    for column in ("listed_total", "delisted_total", "flight_blocks_total", "train_blocks_total", "fulfilled_total"):
        assert (ts[column].diff().dropna() >= 0).all(), column
    assert ((ts["listed_total"] - ts["delisted_total"] - ts["listed"]).abs() <= 2).all()
    # blocked purchases are person-times: more blocks than people blocked
    assert ts["flight_blocks_total"].iloc[-1] + ts["train_blocks_total"].iloc[-1] > ts["people_blocked"].iloc[-1]
    assert pd.Timestamp(ts["date"].iloc[0]) == pd.Timestamp("2013-10-24")
