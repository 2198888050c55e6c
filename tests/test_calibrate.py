"""Calibration with Optuna: recovers a known parameter, saves a loadable scenario, reads target files."""

from importlib import resources

import numba
import pandas as pd
import pytest
from conftest import quiet_world

import scslab
from scslab.experiments import ParameterSpace, calibrate, read_target_file
from scslab.scenario.loading import ScenarioError, to_data

RATE = "behaviours.judgment_default.rate_per_year"
TRUE_RATE = 0.1
TARGET_DATES = ["2020-03-31", "2020-06-30", "2020-09-30", "2020-12-31"]


@pytest.fixture(scope="module")
def defaults():
    # Judgment defaults, listed by the court with certainty and never delisted: listings grow with the rate.
    return quiet_world(behaviours={"judgment_default": {"rate_per_year": 0.03}})


@pytest.fixture(scope="module")
def recovered(defaults, tmp_path_factory):
    """Targets made by the model itself at TRUE_RATE (seed 3), then calibrated from bounds 3x either side."""
    # Runs are bit-identical whatever the number of threads (test_threads.py); one thread keeps these
    # small runs fast when the cores are busy (parallel kernels then wait on each other).
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        true_scenario = ParameterSpace(defaults, [f"{RATE}=0.01:1"]).scenario({RATE: TRUE_RATE})
        ts = scslab.Sim(true_scenario, agents=20_000, seed=3).run().timeseries.set_index("date")
        path = tmp_path_factory.mktemp("targets") / "synthetic.csv"
        rows = [{"date": d, "quantity": "court_listed_total", "value": ts.at[pd.Timestamp(d), "court_listed_total"],
                 "source": "model, seed 3"} for d in TARGET_DATES]
        pd.DataFrame(rows).to_csv(path, index=False)
        result = calibrate(defaults, [f"{RATE}=0.033:0.3:log"], path, trials=24, agents=20_000, seed=3,
                           workers=0, progress=False)
    finally:
        numba.set_num_threads(threads)
    return result, path


def test_a_known_rate_is_recovered_from_targets_the_model_made(recovered, defaults):
    result, _ = recovered
    # observed over 3 seeds x 3 sampler seeds: within 1.7% of the truth, every target within 1.1%
    assert result.best[RATE] == pytest.approx(TRUE_RATE, rel=0.05)
    assert len(result.fit) == len(TARGET_DATES)
    assert result.fit["error"].abs().max() < 0.03
    assert result.fit["within"].all()
    assert result.loss == pytest.approx(result.trials["loss"].min())
    assert len(result.trials) == 24 and set(result.trials["state"]) == {"COMPLETE"}
    # the calibrated scenario is the base with the fitted value
    expected = to_data(defaults)
    expected["behaviours"]["judgment_default"]["rate_per_year"] = result.best[RATE]
    assert to_data(result.scenario) == expected


def test_the_calibrated_scenario_is_saved_as_loadable_toml_with_its_fit(recovered, tmp_path):
    result, targets = recovered
    paths = result.save(tmp_path / "fitted.toml")
    assert paths["fit"] == tmp_path / "fitted.fit.csv" and paths["trials"] == tmp_path / "fitted.trials.csv"
    text = paths["scenario"].read_text()
    assert text.startswith("# Calibrated by `scslab calibrate`") and str(targets) in text
    loaded = scslab.load(str(paths["scenario"]))
    assert loaded.behaviours.judgment_default.rate_per_year == result.best[RATE]
    assert loaded == result.scenario
    fit = pd.read_csv(paths["fit"])
    assert list(fit["date"]) == TARGET_DATES and list(fit.columns) == [
        "date", "quantity", "published", "model", "error", "tolerance", "within"]
    assert len(pd.read_csv(paths["trials"])) == 24
    assert "court_listed_total" in result.report()


def _write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize("name, text, message", [
    ("missing.csv", None, "no such targets file"),
    ("unknown.csv", "date,quantity,value\n2020-03-31,court_listings,100\n", "line 2: unknown quantity 'court_listings'"),
    ("negative.csv", "date,list_entries_cum\n2020-03-31,0\n", "published value 0 of court_cases_total must be positive"),
    ("baddate.csv", "date,list_entries_cum\n2020-02-31,5\n", "line 2: bad date '2020-02-31'"),
    ("nodate.csv", "day,list_entries_cum\n3,5\n", "no 'date' column"),
    ("empty.csv", "date,list_entries_cum,source\n2020-03-31,,x\n", "no targets"),
])
def test_target_file_errors_are_one_line_and_name_the_file(tmp_path, name, text, message):
    path = tmp_path / name if text is None else _write(tmp_path / name, text)
    with pytest.raises(ScenarioError) as error:
        read_target_file(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_targets_outside_the_run_period_are_an_error(defaults, tmp_path):
    path = _write(tmp_path / "old.csv", "date,list_entries_cum\n2017-02-14,6730000\n")
    with pytest.raises(ScenarioError, match=r"old.csv: no target falls inside the scenario period "
                                             r"2020-01-01\.\.2020-12-31$"):
        calibrate(defaults, [f"{RATE}=0.01:0.1"], path, trials=1, agents=1000, progress=False)


def test_the_wide_layout_reads_a_tolerance_per_row_or_the_default(tmp_path):
    wide = ("date,list_entries_cum,flight_blocks_cum,tolerance,source,note\n"
            "2017-02-14,6730000,6150000,0.05,China Daily,\n"
            "2017-12-31,9590000,,,Xinhua,ignored\n")
    targets = read_target_file(_write(tmp_path / "wide.csv", wide), default_tolerance=0.2)
    by = targets.set_index(["quantity", targets["date"].dt.strftime("%Y-%m-%d")])
    assert len(targets) == 3 and list(targets.columns) == ["date", "quantity", "published", "tolerance", "source"]
    assert by.loc[("court_cases_total", "2017-02-14"), "tolerance"] == 0.05
    assert by.loc[("flight_blocks_total", "2017-02-14"), ["published", "tolerance"]].tolist() == [6150000, 0.05]
    assert by.loc[("court_cases_total", "2017-12-31"), ["tolerance", "source"]].tolist() == [0.2, "Xinhua"]
    # the packaged file: the 15% criterion from the end of 2016 on, a loose 50-100% for the start-up points of
    # 2013-2014
    packaged = read_target_file(resources.files("scslab.data") / "china-debtor-list-calibration.csv")
    early = packaged["date"] < "2016-12-31"
    assert len(packaged) == 24 and (packaged.loc[~early, "tolerance"] == 0.15).all()
    assert early.sum() == 5 and (packaged.loc[early, "tolerance"] >= 0.5).all()
    assert packaged[["quantity", "published"]].values.tolist() == scslab.targets.read_targets(
        "china-debtor-list-calibration").sort_values(["quantity", "date"])[["quantity", "published"]].values.tolist()


def test_trials_run_in_parallel_on_a_local_dask_cluster(tmp_path):
    path = _write(tmp_path / "t.csv", "date,quantity,value,tolerance\n2014-01-31,court_listed_total,50000,0.5\n")
    result = calibrate("china-2018", [f"{RATE}=0.005:0.02"], path, trials=4, agents=3000, days=100, seed=1,
                       workers=2, progress=False)
    assert len(result.trials) == 4 and set(result.trials["state"]) == {"COMPLETE"}
    assert 0.005 <= result.best[RATE] <= 0.02
    assert result.loss == pytest.approx(result.trials["loss"].min())
    assert len(result.fit) == 1 and result.fit["tolerance"].iloc[0] == 0.5
