"""Firms that price by score, and the market in credit records between countries."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
from conftest import assert_one_line_error, quiet_world
from test_countries import two_countries
from typer.testing import CliRunner

from scslab.cli import app
from scslab.sim import Sim
from scslab.mechanisms.firms import STATUSES
from scslab.scenario.loading import ScenarioError, load, to_data, validate
from scslab.scenario.schema import GRADES

EVERY_GRADE = {g: 0.05 for g in GRADES}
"""A flat rule: the same premium at every grade."""


def graded_world(**sectors):
    """A quiet world where scores spread over grades A-C, some people are listed and some wrongly."""
    return quiet_world(
        behaviours={"traffic_violation": {"rate_per_year": 3.0, "points": -30},
                    "judgment_default": {"rate_per_year": 0.05}},
        channels={"courts": {"false_records_per_person_year": 0.02}},
        firms={"enabled": True, "sectors": sectors},
    )


def by(frame: pd.DataFrame, *columns) -> pd.DataFrame:
    """Transactions, refusals and premium totals by ``columns``, with the mean premium per transaction served."""
    out = frame.groupby(list(columns), observed=True)[["transactions", "refused", "premium"]].sum()
    out["mean"] = out["premium"] / (out["transactions"] - out["refused"])
    return out


@pytest.fixture(scope="module")
def graded():
    """One run, four sectors: flat rule read directly, the same through a broker, unreadable, and refusing."""
    sectors = {
        "flat": {"kind": "retail", "premium_by_grade": EVERY_GRADE, "transactions_per_year": 5},
        "brokered": {"kind": "insurance", "access": "broker", "broker_coverage": 0.3,
                     "premium_by_grade": EVERY_GRADE, "transactions_per_year": 5},
        "blind": {"kind": "lending", "access": "none", "premium_by_grade": {"B": 0.1, "C": 0.3},
                  "listed_premium": 0.2, "refuse_below_grade": "C", "transactions_per_year": 5},
        "strict": {"kind": "employers", "premium_by_grade": {"B": -0.1},
                   "refuse_below_grade": "B", "refuse_listed": True, "transactions_per_year": 5},
    }
    scenario = graded_world(**sectors)
    return scenario, Sim(scenario, agents=20_000, seed=3).run()


def test_runs_spread_customers_over_grades_and_statuses(graded):
    _, results = graded
    firms = results.firms
    assert {"A", "B", "C"} <= set(firms["grade"]) and set(firms["status"]) == set(STATUSES)
    assert list(firms.columns) == ["sector", "group", "grade", "status", "transactions", "refused", "premium"]


def test_firms_that_cannot_read_price_everyone_alike(graded):
    _, results = graded
    blind = results.firms[results.firms["sector"] == "blind"]
    assert blind["transactions"].sum() > 0
    assert (blind["premium"] == 0).all() and (blind["refused"] == 0).all()  # its rule would charge B, C and the listed
    assert {"B", "C"} <= set(blind["grade"]) and (blind["status"] != "not_listed").any()  # who it would charge came


def test_a_flat_rule_charges_exactly_the_rule(graded):
    _, results = graded
    flat = results.firms[results.firms["sector"] == "flat"]
    for columns in (("grade",), ("group",), ("status",)):
        np.testing.assert_allclose(by(flat, *columns)["mean"], 0.05, rtol=1e-12)
    assert results.summary["firms"]["flat"]["premium_mean"] == pytest.approx(0.05, rel=1e-12)


def test_a_broker_reads_its_coverage_of_customers(graded):
    _, results = graded
    brokered = by(results.firms[results.firms["sector"] == "brokered"], "sector")
    served = float(brokered["transactions"].iloc[0] / results.scale)  # in agents: Bernoulli trials
    # mean premium = rule x share read, share read ~ Binomial(served, 0.3) / served: 4 standard errors
    assert brokered["mean"].iloc[0] == pytest.approx(0.05 * 0.3, abs=0.05 * 4 * np.sqrt(0.3 * 0.7 / served))


def test_refusals_follow_grade_and_list_status(graded):
    _, results = graded
    strict = results.firms[results.firms["sector"] == "strict"]
    refused = by(strict, "grade", "status")
    below_b = refused.xs("C", level="grade")
    assert (below_b["refused"] == below_b["transactions"]).all()  # below B: all refused
    listed = refused.xs("listed", level="status")
    assert (listed["refused"] == listed["transactions"]).all()
    assert refused.loc[("A", "not_listed"), "refused"] == 0
    assert refused.loc[("B", "not_listed"), "mean"] == pytest.approx(-0.1)
    summary = results.summary["firms"]["strict"]
    wrongly = strict[strict["status"] == "wrongly_listed"]["refused"].sum()
    assert summary["wrongly_listed_share_of_refused"] == pytest.approx(wrongly / strict["refused"].sum())
    assert 0 < summary["wrongly_listed_share_of_refused"] < 1


def test_firms_that_read_only_the_lists_ignore_grades():
    from scslab.mechanisms.firms import rules
    from scslab.scenario.schema import Firms

    sector = {"kind": "lending", "listed_premium": 0.2, "refuse_below_grade": "C"}
    by_score = {**sector, "premium_by_grade": {"C": 0.3}}
    table = rules(Firms(enabled=True, sectors={"by_list": {**sector, "reads": "list"}, "by_score": by_score}))
    assert (table.premium[0, :, 0] == 0).all() and (table.premium[0, :, 1] == 0.2).all()
    assert not table.refused[0].any()
    assert table.premium[1, GRADES.index("C"), 1] == pytest.approx(0.5) and table.refused[1, GRADES.index("D")].all()


@pytest.mark.parametrize("sector, message", [
    ({"refuse_listed": True, "listed_premium": 0.02}, "listed_premium: the listed are refused"),
    ({"reads": "list", "premium_by_grade": {"C": 0.3}}, "premium_by_grade: firms that read the list only"),
    ({"refuse_below_grade": "B", "premium_by_grade": {"B": 0.1, "C": 0.3}},
     "premium_by_grade.C: grades below B are refused"),
])
def test_a_term_that_could_reach_no_one_is_refused(sector, message):
    data = trading_pair()
    data["firms"]["sectors"]["lenders"].update(sector)
    assert_one_line_error(data, "credit.toml", message)


def test_transactions_follow_the_rate(graded):
    scenario, results = graded
    flat = results.firms[results.firms["sector"] == "flat"]
    adults = scenario.population.size * (1 - scenario.population.age_shares[0])
    expected = adults * 5 * scenario.days / 365
    agents = expected / results.scale  # Poisson in agents: 4 standard deviations
    assert flat["transactions"].sum() == pytest.approx(expected, rel=4 / np.sqrt(agents) + 0.01)


def test_firms_change_nothing_else(graded):
    scenario, with_firms = graded
    data = to_data(scenario)
    data["firms"]["enabled"] = False
    without = Sim(validate(data, "test"), agents=20_000, seed=3).run()
    assert without.firms is None and "firms" not in without.summary
    pd.testing.assert_frame_equal(with_firms.timeseries, without.timeseries)


def test_firm_results_are_reproducible(graded):
    scenario, results = graded
    again = Sim(scenario, agents=20_000, seed=3).run()
    pd.testing.assert_frame_equal(results.firms, again.firms)


# -- the market ------------------------------------------------------------------------------------------------

LENDERS = {"enabled": True, "sectors": {"lenders": {"kind": "lending", "premium_by_grade": EVERY_GRADE,
                                                    "transactions_per_year": 4, "value_per_record": 1e6}}}
"""Lenders who value a record far above its price: all but about 1 in 2 million buy (exp(-0.5 / 1e6))."""


def trading_pair(**market) -> dict:
    data = two_countries()
    data["firms"] = copy.deepcopy(LENDERS)
    data["market"] = {"enabled": True, "price_per_record": {"financial": 0.5, "court": 0.4}, **market}
    return data


def run_pair(data: dict):
    return Sim(validate(copy.deepcopy(data), "test"), agents=20_000, seed=2).run()


@pytest.fixture(scope="module")
def trading():
    return run_pair(trading_pair())


def test_the_ledger_balances(trading):
    trades, market = trading.trades, trading.summary["market"]
    assert list(trades.columns) == ["day", "date", "seller_country", "buyer_country", "record_class", "records",
                                    "price"]
    assert len(trades) > 0 and set(trades["record_class"]) == {"financial", "court"}  # what lenders buy and is priced
    assert (trades["seller_country"] != trades["buyer_country"]).all()
    accounts = pd.DataFrame(market["accounts"]).T
    assert accounts["records_sold"].sum() == pytest.approx(accounts["records_bought"].sum())
    assert accounts["money_received"].sum() == pytest.approx(accounts["money_paid"].sum())
    for country in ("east", "west"):
        sold = trades[trades["seller_country"] == country]
        bought = trades[trades["buyer_country"] == country]
        assert accounts.loc[country, "records_sold"] == pytest.approx(sold["records"].sum(), abs=len(sold))
        assert accounts.loc[country, "money_paid"] == pytest.approx((bought["records"] * bought["price"]).sum(),
                                                                    abs=len(bought))
    assert market["records"] == pytest.approx(trades["records"].sum(), abs=len(trades))


def test_bought_records_let_firms_price_foreigners(trading):
    firms = trading.firms
    foreign = firms[firms["group"].astype(str).str.split("/").str[0] != firms["country"].astype(str)]
    assert foreign["transactions"].sum() > 0
    np.testing.assert_allclose(by(foreign, "country")["mean"], 0.05, rtol=1e-6)  # every foreigner's record bought (transactions: whole people per cell)
    assert trading.summary["firms"]["east/lenders"]["by_customer"]["foreigners"]["premium_mean"] == pytest.approx(0.05)


def test_firms_buy_in_the_share_their_spread_of_values_gives():
    """Values spread exponentially about 1: a share exp(-0.5) of lenders buy a financial record at US$0.5 and
    exp(-0.4) a court one at US$0.4, so a foreign customer's record is read with chance 1 - (1 - e^-0.5)(1 - e^-0.4)
    and the flat premium is paid in that share of transactions (4 binomial standard errors)."""
    from scslab.mechanisms.market import buying_share

    assert buying_share(0.5, 1.0) == pytest.approx(np.exp(-0.5)) and buying_share(0.0, 0.0) == 1.0
    assert buying_share(0.5, 0.0) == 0.0
    data = trading_pair()
    data["firms"]["sectors"]["lenders"]["value_per_record"] = 1.0
    results = run_pair(data)
    firms = results.firms
    foreign = firms[firms["group"].astype(str).str.split("/").str[0] != firms["country"].astype(str)]
    read = 1 - (1 - np.exp(-0.5)) * (1 - np.exp(-0.4))
    for _, rows in foreign.groupby("country", observed=True):
        # each transaction's weight is the home country's people per agent: count them in agents
        weights = rows.groupby("group", observed=True)["transactions"].sum()
        served = sum(weights / results.scale)
        share = rows["premium"].sum() / 0.05 / rows["transactions"].sum()
        assert share == pytest.approx(read, abs=4 * np.sqrt(read * (1 - read) / served))
        assert served > 200


@pytest.mark.parametrize("change", [
    pytest.param(lambda d: d["firms"].update(enabled=False), id="no firms"),
    pytest.param(lambda d: d["firms"]["sectors"]["lenders"].update(access="none"), id="firms that read nothing"),
    pytest.param(lambda d: d["firms"]["sectors"]["lenders"].update(value_per_record=0), id="records worth nothing"),
    pytest.param(lambda d: d["firms"]["sectors"]["lenders"].update(buys=["political"]), id="unpriced class"),
])
def test_a_market_without_demand_trades_nothing(change):
    data = trading_pair()
    change(data)
    results = run_pair(data)
    assert len(results.trades) == 0 and results.summary["market"]["records"] == 0
    assert all(a == {"records_sold": 0, "records_bought": 0, "money_received": 0, "money_paid": 0}
               for a in results.summary["market"]["accounts"].values())


def test_a_market_without_supply_trades_nothing_and_foreigners_get_standard_terms():
    data = trading_pair()
    data["agreements"]["pact"]["enabled"] = False
    results = run_pair(data)
    assert len(results.trades) == 0
    firms = results.firms
    foreign = firms[firms["group"].astype(str).str.split("/").str[0] != firms["country"].astype(str)]
    assert foreign["transactions"].sum() > 0 and (foreign["premium"] == 0).all()


def test_market_members_and_window_limit_trades():
    assert len(run_pair(trading_pair(members=["east", "west"], end="2018-01-31")).trades["day"].unique()) <= 31
    data = trading_pair()
    data["countries"]["north"] = copy.deepcopy(data["countries"]["east"])
    data["market"]["members"] = ["east", "north"]
    assert len(run_pair(data).trades) == 0  # west, the only partner with travellers, is not a member


# -- errors ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    (lambda d: d["firms"]["sectors"]["lenders"].update(kind="banking"), "field firms.sectors.lenders.kind: Input should be"),
    (lambda d: d["firms"]["sectors"]["lenders"].update(access="psychic"), "field firms.sectors.lenders.access"),
    (lambda d: d["firms"]["sectors"]["lenders"].update(premium_by_grade={"Z": 1}),
     "field firms.sectors.lenders.premium_by_grade.Z"),
    (lambda d: d["firms"]["sectors"]["lenders"].update(refuse_below_grade="E"),
     "field firms.sectors.lenders.refuse_below_grade"),
    (lambda d: d["firms"]["sectors"]["lenders"].update(transactions_per_year=-1),
     "field firms.sectors.lenders.transactions_per_year: Input should be greater than or equal to 0"),
    (lambda d: d["firms"]["sectors"]["lenders"].update(colour="red"), "field firms.sectors.lenders.colour: unknown key"),
    (lambda d: d["firms"].update(sectors={}), "firms are enabled but no sector is defined"),
    (lambda d: d["market"].update(members=["east", "atlantis"]), "market.members: unknown country 'atlantis'"),
    (lambda d: d["market"].update(members=["east"]), "market.members: a market needs at least two countries"),
    (lambda d: d["market"].update(arrangements=["silk_road"]), "market.arrangements: unknown arrangement 'silk_road'"),
    (lambda d: d["market"].update(price_per_record={"gossip": 1.0}), "field market.price_per_record.gossip"),
    (lambda d: d["market"].update(price_per_record={"court": -1.0}),
     "field market.price_per_record.court: Input should be greater than or equal to 0"),
    (lambda d: d["market"].update(start="2018-06-01", end="2018-01-01"), "field market: end must not be before start"),
])
def test_bad_sector_or_market_definitions_get_one_clear_line(change, message):
    data = trading_pair()
    change(data)
    assert_one_line_error(data, "credit.toml", message)


def test_a_market_needs_countries():
    with pytest.raises(ScenarioError, match="market: needs countries"):
        validate({"market": {"enabled": True}}, "one.toml")


@pytest.mark.parametrize("text, message", [
    ('[firms]\nenabled = true\n[firms.sectors.shop]\nkind = "bazaar"\n', "field firms.sectors.shop.kind"),
    ('extends = "atlantis-2030"\n', "field extends: 'atlantis-2030' is not a built-in scenario"),
])
def test_the_cli_gives_one_line_and_exit_2(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["run", str(path), "--agents", "1000", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output and len(result.output.splitlines()) == 1
    assert not (tmp_path / "out").exists()


# -- the built-in scenario ---------------------------------------------------------------------------------------

def test_credit_asia_extends_central_asia():
    credit, central = to_data(load("credit-asia-2020")), to_data(load("central-asia-2020"))
    for key in ("countries", "travel", "alliances", "trust", "start_date", "end_date"):
        if key == "countries":
            strip = lambda c: {n: {k: v for k, v in x.items() if k != "firms"} for n, x in c.items()}
            assert strip(credit[key]) == strip(central[key])
        else:
            assert credit[key] == central[key]
    assert not central["market"]["enabled"] and credit["market"]["enabled"]
    assert not any(c["firms"]["enabled"] for c in central["countries"].values())
    assert all(c["firms"]["enabled"] for c in credit["countries"].values())


def test_a_user_file_can_extend_a_builtin(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('extends = "credit-asia-2020"\nname = "mine"\n[market]\nenabled = false\n')
    scenario = load(str(path))
    assert scenario.name == "mine" and not scenario.market.enabled and scenario.countries["china"].firms.enabled


def test_credit_asia_shows_what_firms_charge_and_what_was_traded(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "credit-asia-2020", "--agents", "60000", "--set", "start_date=2019-10-01",
                                      "--until", "2020-12-31", "--quiet", "--replicates", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "What firms charged" in result.stdout and "Credit-information market" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    lending = summary["firms"]["china/lending"]
    assert set(lending["by_grade"]) <= set(GRADES) and len(lending["by_grade"]) >= 2
    assert {"china/han", "china/minority_a", "china/minority_b"} <= set(lending["by_group"])
    assert lending["by_grade"]["B"]["premium_mean"] > lending["by_grade"]["A"]["premium_mean"]
    trades = pd.read_parquet(out / "trades.parquet")
    assert summary["market"]["records"] > 0 and len(trades) > 0
    members = {"china", "kazakhstan", "kyrgyzstan", "mongolia"}
    assert set(trades["seller_country"]) <= members and set(trades["buyer_country"]) <= members
    joiners = trades["seller_country"].isin(["kazakhstan", "kyrgyzstan"]) | trades["buyer_country"].isin(
        ["kazakhstan", "kyrgyzstan"])
    assert (trades.loc[joiners, "date"] >= pd.Timestamp("2020-01-01")).all()  # they join the pool in 2020


# -- charts and report -------------------------------------------------------------------------------------------

def test_the_refusal_chart_shows_refusals_per_thousand_by_group(graded):
    from scslab import plots

    _, results = graded
    chart = plots.chart(results, "firm_refusals")
    assert [s.name for s in chart.series] == ["strict"]  # the only sector that refuses anyone (blind cannot read)
    strict = results.firms[results.firms["sector"] == "strict"].groupby("group", observed=True)[
        ["transactions", "refused"]].sum()
    np.testing.assert_allclose(chart.series[0].y, 1000 * strict["refused"] / strict["transactions"])
    assert list(chart.series[0].x) == [str(g) for g in strict.index]


def test_the_trade_chart_and_report_show_the_ledger(trading, tmp_path):
    from scslab import plots
    from scslab.report import write_report

    matrix = plots.chart(trading, "trades").matrix
    ledger = trading.trades.groupby(["seller_country", "buyer_country"], observed=True)["records"].sum()
    for (seller, buyer), records in ledger.items():
        assert matrix.loc[seller, buyer] == records
    assert matrix.to_numpy().sum() == trading.trades["records"].sum()
    trading.save(tmp_path / "run")
    page = write_report(tmp_path / "run").read_text()
    assert 'id="firms"' in page and 'id="market"' in page and "east -&gt; west" in page
    assert (tmp_path / "run" / "figures" / "trades.png").exists()
    assert plots.chart(Sim("china-2018", agents=2_000, days=5).run(), "trades") is None
