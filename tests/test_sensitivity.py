"""Sensitivity analysis: Sobol' and Morris indices against analytic values, errors, and one scslab run."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.experiments import SensitivityResult, sensitivity
from scslab.experiments.sensitivity import analyse
from scslab.scenario.loading import ScenarioError

# Ishigami function (a=7, b=0.1, x uniform on [-pi, pi]): analytic first-order and total indices.
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami(unit: np.ndarray) -> np.ndarray:
    x = -np.pi + 2 * np.pi * unit
    return np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def indices(result: SensitivityResult, index: str, output: str = "y") -> tuple[np.ndarray, np.ndarray]:
    """Values and 95% half-widths of one index, in parameter order."""
    rows = result.table[(result.table["output"] == output) & (result.table["index"] == index)]
    return rows["value"].to_numpy(), ((rows["high"] - rows["low"]) / 2).to_numpy()


def test_sobol_matches_ishigami_analytic_indices():
    result = analyse(["x1", "x2", "x3"], ishigami, "sobol", 2048, seed=0, outputs=["y"])
    assert len(result.samples) == 2048 * (3 + 2)
    for index, truth in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
        value, conf = indices(result, index)
        # Over seeds 0-9 the largest error was 0.017 and 0.26 half-widths.
        assert value == pytest.approx(truth, abs=0.05)
        assert np.all(np.abs(value - truth) <= conf)
    assert result.ranking("y") == ["x1", "x2", "x3"]


def test_sobol_linear_model_first_order_is_share_of_variance():
    c = np.array([3.0, -2.0, 1.0])
    result = analyse(["a", "b", "c"], lambda u: u @ c, "sobol", 1024, seed=1)
    share = c**2 / np.sum(c**2)  # no interactions: S1 = ST = c_i^2 / sum c^2
    assert indices(result, "S1", "y0")[0] == pytest.approx(share, abs=0.01)
    assert indices(result, "ST", "y0")[0] == pytest.approx(share, abs=0.01)
    fig = result.plot()
    assert len(fig.axes) == 1 and len(fig.axes[0].patches) == 2 * 3  # S1 and ST bars per parameter


def test_morris_linear_model_gives_exact_coefficients():
    c = np.array([3.0, -2.0, 0.5])
    result = analyse(["a", "b", "c"], lambda u: np.c_[u @ c, 2 * (u @ c)], "morris", 10, seed=0,
                     outputs=["y", "z"])
    assert len(result.samples) == 10 * (3 + 1)
    # Every elementary effect of a linear function in the unit cube is its coefficient.
    assert indices(result, "mu_star")[0] == pytest.approx(np.abs(c), abs=1e-9)
    assert indices(result, "mu")[0] == pytest.approx(c, abs=1e-9)
    assert indices(result, "sigma")[0] == pytest.approx(0.0, abs=1e-9)
    assert indices(result, "mu_star", "z")[0] == pytest.approx(2 * np.abs(c), abs=1e-9)


def test_morris_inert_parameter_ranks_last():
    def model(u):
        return np.sin(3 * u[:, 0]) + u[:, 1] ** 2 + 2 * u[:, 0] * u[:, 2]

    result = analyse(["a", "inert", "b", "c"], lambda u: model(u[:, [0, 2, 3]]), "morris", 20, seed=3,
                     outputs=["y"])
    mu_star, conf = indices(result, "mu_star")
    assert mu_star[1] == pytest.approx(0.0, abs=1e-12) and conf[1] == pytest.approx(0.0, abs=1e-12)
    assert np.all(mu_star[[0, 2, 3]] > 0.1)
    assert result.ranking("y")[-1] == "inert"


@pytest.mark.parametrize("method, samples, message", [
    ("fast", 64, "--method: unknown method 'fast' (known: sobol, morris)"),
    ("sobol", 48, "--samples: Sobol' sampling needs a power of two, got 48"),
    ("morris", 1, "--samples: at least 2"),
])
def test_bad_method_and_samples(method, samples, message):
    with pytest.raises(ScenarioError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        analyse(["a", "b"], lambda u: u.sum(axis=1), method, samples)


@pytest.mark.parametrize("parameter, message", [
    ("no.such.path=0:1", "no such parameter"),
    ("channels.cameras.false_records_per_person_year=1:0", "low bound 1 must be below the high bound 0"),
])
def test_bad_parameters(parameter, message):
    with pytest.raises(ScenarioError, match=message):
        sensitivity("china-2018", [parameter], progress=False)


def test_scslab_morris_end_to_end(tmp_path):
    rate, inert = "channels.cameras.false_records_per_person_year", "trust.weights.mean_score"
    result = sensitivity("china-2018", [f"{rate}=0.001:0.02", f"{inert}=0:1"], method="morris", samples=4,
                         agents=20000, days=30, outputs=["false_detections"], progress=False)
    table = result.table
    assert len(table) == 2 * 3  # 2 parameters x (mu_star, mu, sigma)
    assert set(table["index"]) == {"mu_star", "mu", "sigma"} and set(table["output"]) == {"false_detections"}
    assert np.isfinite(table["value"]).all()
    mu_star = table[table["index"] == "mu_star"].set_index("parameter")["value"]
    # Trust weights only score the system afterwards; with the same seeds they change no run at all.
    assert mu_star[inert] == 0.0 and mu_star[rate] > 0.0
    assert result.ranking("false_detections") == [rate, inert]
    assert len(result.samples) == 4 * 3
    assert result.samples[rate].between(0.001, 0.02).all() and result.samples[inert].between(0, 1).all()

    out = result.save(tmp_path / "sa")
    assert sorted(p.name for p in out.iterdir()) == ["samples.csv", "sensitivity.csv", "sensitivity.png"]
    assert (out / "sensitivity.png").stat().st_size > 1000
