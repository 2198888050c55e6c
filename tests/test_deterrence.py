"""Deterrence within its evidence (docs/model.md, "Deterrence"): learned certainty, capped elasticities, secrecy.

A person's fear after a record of their own or a household member's listing (analytic, on the kernels of a
real run); the population's perceived detection learned from publicity (analytic step, and in runs with and
without a system); the capped extrapolation rule against constant elasticity (analytic, and in runs); and the
two positions on a secret rulebook, each moving offences and lawful expression its stated way against a public
rulebook in paired runs (same seed).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import scslab
from scslab.engine import CountryRun
from scslab.mechanisms import response
from scslab.mechanisms.detection import with_informants
from scslab.mechanisms.network import contact
from scslab.mechanisms.response import (
    FEAR_STEPS,
    NO_CAP,
    PerceivedCertainty,
    certainty_factor,
    current_fear,
    personal_factor,
    stored_fear,
)
from scslab.mechanisms.state import F_COURT, Records, household_members
from scslab.population import ADULT, CHILD, SENIOR, people_of
from scslab.scenario.loading import load
from scslab.scenario.schema import BEHAVIOUR_KIND, BEHAVIOURS

TRAFFIC = BEHAVIOURS.index("traffic_violation")
JUDGMENT = BEHAVIOURS.index("judgment_default")


def record(run: CountryRun, day: int, agent: int, behaviour: int) -> None:
    """A true record of ``behaviour`` about ``agent`` on ``day``, through both steps of scoring (a court listing
    is certain, as for the backlog at launch)."""
    on = run.rules.switches(day)
    sp = run.rules.today(day, on)._replace(listing_probability=1.0)
    records = Records(np.array([agent], np.int32), np.array([behaviour], np.uint8), np.ones(1, np.bool_),
                      np.zeros(1, np.uint8))
    run.apply_records(run.context(sp), np.random.default_rng(0), records, 1)


def quantised(fear: float) -> float:
    """Fear as its byte keeps it: the nearest step of 1/255 (halves rounded up)."""
    return math.floor(fear * FEAR_STEPS + 0.5) / FEAR_STEPS


def fear_now(run: CountryRun, agent: int, day: int) -> float:
    return current_fear(run.agents.fear, run.agents.touched, agent, day, run.rules.fear_decay)


# --- a person's own fear ---------------------------------------------------------------------------------------


def test_an_own_record_raises_fear_by_the_learning_step_and_it_halves_every_half_life(quiet):
    scenario = quiet(behaviours={"traffic_violation": {"points": -5}},
                     response={"learning": 0.3, "habituation_half_life_days": 180})
    run = CountryRun(scenario, 2_000, 1)
    agent = int(np.flatnonzero(run.people.age != CHILD)[0])
    assert fear_now(run, agent, 10) == 0.0
    record(run, 10, agent, TRAFFIC)
    first = quantised(0.3)  # one step of 0.3 towards certainty, kept in a byte
    assert fear_now(run, agent, 10) == pytest.approx(first, abs=1e-12)
    for elapsed in (1, 90, 180, 360):  # fades by half every 180 days
        assert fear_now(run, agent, 10 + elapsed) == pytest.approx(first * 0.5 ** (elapsed / 180), rel=1e-9)
    # a second record 180 days later starts from the faded fear
    record(run, 190, agent, TRAFFIC)
    second = quantised(first / 2 + 0.3 * (1 - first / 2))
    assert fear_now(run, agent, 190) == pytest.approx(second, abs=1e-12)
    # and that fear is the person's extra deterrence: their multiplier against the population's
    e, c0, r = -0.5, 0.1, 0.05
    assert personal_factor(second, r, c0, e, NO_CAP) == pytest.approx(((c0 + r + second) / (c0 + r)) ** e, rel=1e-12)
    assert personal_factor(0.0, r, c0, e, NO_CAP) == 1.0


# --- a household member's listing -------------------------------------------------------------------------------


def family(run: CountryRun) -> tuple[int, list[int], list[int]]:
    """An adult whose household has at least one other adult and one child: (agent, other adults, children)."""
    people = run.people
    for agent in np.flatnonzero(people.age != CHILD):
        first, n = household_members(people.household, int(agent))
        others = [m for m in range(first, first + n) if m != agent]
        adults = [m for m in others if people.age[m] in (ADULT, SENIOR)]
        children = [m for m in others if people.age[m] == CHILD]
        if adults and children:
            return int(agent), adults, children
    raise AssertionError("no household with two adults and a child")


@pytest.mark.parametrize("step", [0.1, 0.0])
def test_a_court_listing_raises_the_fear_of_the_household_by_its_step(quiet, step):
    scenario = quiet(behaviours={"judgment_default": {"points": 0}},
                     response={"learning": 0.3, "household_learning": step, "habituation_half_life_days": 180})
    run = CountryRun(scenario, 5_000, 2)
    agent, adults, children = family(run)
    # one member already feared a little, 100 days ago: the step starts from what is left of it
    earlier = adults[0]
    run.agents.fear[earlier] = stored_fear(0.4)
    run.agents.touched[earlier] = 0
    left = run.agents.fear[earlier] / FEAR_STEPS * 0.5 ** (100 / 180)
    record(run, 100, agent, JUDGMENT)
    assert run.agents.flags[agent] & F_COURT
    assert fear_now(run, agent, 100) == pytest.approx(quantised(0.3), abs=1e-12)
    # a step of 0 leaves the member alone (not even brought up to date)
    expected = quantised(left + step * (1 - left)) if step else left
    assert fear_now(run, earlier, 100) == pytest.approx(expected, abs=1e-12)
    for m in adults[1:]:
        assert fear_now(run, m, 100) == pytest.approx(quantised(step), abs=1e-12)
    for m in children:  # children do not act: nothing to deter
        assert run.agents.fear[m] == 0
    first, n = household_members(run.people.household, agent)
    outside = np.ones(run.people.agents, bool)
    outside[first:first + n] = False
    assert not run.agents.fear[outside].any()


def test_a_court_listing_raises_the_fear_of_each_contact_by_its_step_and_nobody_else_s(quiet):
    scenario = quiet(behaviours={"judgment_default": {"points": 0}},
                     response={"learning": 0.3, "habituation_half_life_days": 180},
                     network={"contact_learning": 0.2})
    run = CountryRun(scenario, 5_000, 2)
    agent, _, _ = family(run)
    record(run, 100, agent, JUDGMENT)
    p = np.searchsorted(run.people.piece_start, agent, side="right") - 1
    lo, hi = run.people.piece_start[p], run.people.piece_start[p + 1]
    net = run.contacts
    contacts = {contact(net.seed, lo, hi, agent, k, net.neighbours) for k in range(net.degree)} - {-1}
    assert len(contacts) == net.degree
    for j in contacts:
        expected = 0.0 if run.people.age[j] == CHILD else quantised(0.2)
        assert fear_now(run, j, 100) == pytest.approx(expected, abs=1e-12)
    others = np.ones(run.people.agents, bool)
    others[list(contacts) + [agent]] = False
    assert not run.agents.fear[others].any()


# --- the population's perceived detection, learned from publicity ----------------------------------------------


def test_perceived_detection_closes_its_gap_at_the_stated_speed(quiet):
    r = {"publicity_acquaintances": 150, "publicity_viewers_per_display": 100, "publicity_window_days": 30,
         "publicity_half_life_days": 365}
    learned = PerceivedCertainty(quiet(response=r), adults=1_000_000)
    target = np.linspace(0.0, 0.8, len(BEHAVIOURS))
    listed = 5_000  # 0.5% of adults on the court list, and 20 displays a day
    for day in range(400):
        level = learned.step(day, listed, 20.0 * (day + 1), target)
    recent = 20.0 * 30  # the window's displays, once the window is full
    informed = 1 - math.exp(-(150 * listed + 100 * recent) / 1_000_000)
    assert learned.informed == pytest.approx(informed, rel=1e-12)
    # the gap shrinks by 2 ** (-informed / half-life) a day; over the first 30 days fewer displays were recent
    gap = 1.0
    for day in range(400):
        seen = 20.0 * min(day + 1, 30)
        gap *= 0.5 ** ((1 - math.exp(-(150 * listed + 100 * seen) / 1_000_000)) / 365)
    np.testing.assert_allclose(level, target * (1 - gap), rtol=1e-9)
    assert learned.step(399, listed, 0.0, target) is level  # once a day: a second call changes nothing
    # nothing seen: nothing learned
    blind = PerceivedCertainty(quiet(response=r), adults=1_000_000)
    for day in range(100):
        blind.step(day, 0, 0.0, target)
    assert not blind.level.any()


def perceived_after(scenario, days: int, agents: int = 5_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The population's perceived detection on each of the first ``days`` of a run, and the true one on the
    last day for people without and with the official app (the population's lies between)."""
    run = CountryRun(scenario, agents, 4)
    levels = []
    for day in range(days):
        run.step(day)
        levels.append(run.behaviour.certainty.level.copy())
    every_channel = with_informants(*run.detection.probabilities(days - 1), run.contacts)
    detect = np.einsum("bsa,s->ba", every_channel, run.behaviour.adult_weights)
    return np.array(levels), detect[:, 0], detect[:, 1]


def test_with_no_system_perceived_detection_stays_at_the_no_system_level():
    levels, _, true = perceived_after(load("no-system"), 120)
    assert not levels.any() and not true.any()


def test_perceived_detection_rises_with_publicity():
    days, agents = 300, 20_000  # enough agents that somebody is court-listed in the first 300 days
    quiet_list = load("china-2018", ["response.publicity_acquaintances=0", "response.publicity_viewers_per_display=0"])
    none, true, most = perceived_after(quiet_list, days, agents)
    assert not none.any()  # the system works, but nobody sees it: nobody learns
    seen, _, _ = perceived_after(load("china-2018"), days, agents)
    more, _, _ = perceived_after(load("china-2018", ["response.publicity_acquaintances=600"]), days, agents)
    watched = true > 0
    assert (np.diff(seen[:, watched], axis=0) >= 0).all()  # rising (the true values rise too)
    assert (seen[-1, watched] > 0).all() and (seen[-1] <= most + 1e-12).all()
    assert (more[-1, watched] > seen[-1, watched]).all()


# --- extrapolation: capped against constant elasticity --------------------------------------------------------


@pytest.mark.parametrize("cap", [1.3, 1.5, 2.0])
def test_a_capped_multiplier_never_goes_below_the_caps_value_and_is_the_elasticitys_within_it(cap):
    c0, e = 0.1, -0.5
    for risk in np.linspace(0.0, 0.9, 91):
        capped, constant = certainty_factor(risk, c0, e, cap), certainty_factor(risk, c0, e, NO_CAP)
        assert capped >= cap ** e - 1e-15
        assert constant == pytest.approx(((c0 + risk) / c0) ** e, rel=1e-12)
        if (c0 + risk) / c0 <= cap:
            assert capped == constant
        else:
            assert capped == pytest.approx(cap ** e, rel=1e-12) and constant < capped
        for fear in (0.05, 0.3, 0.9):  # a frightened person is deterred no further than the cap either
            own = capped * personal_factor(fear, risk, c0, e, cap)
            assert own >= cap ** e - 1e-12
            if (c0 + risk + fear) / c0 <= cap:
                assert own == pytest.approx(((c0 + risk + fear) / c0) ** e, rel=1e-12)


def test_the_extrapolation_rule_caps_both_ratios_and_spares_chilling():
    constant = load("china-2018", ["response.extrapolation=constant_elasticity"])
    capped = load("china-2018", ["response.severity_cap=1.5"])
    belief = response.beliefs(capped, court_on=True, scoring_on=True)
    detection = np.full(len(BEHAVIOURS), 0.5)  # ratio 1 + 0.5 * weight / 0.1: beyond the cap wherever weight > 0.06
    low, _, cap = response.rate_multipliers(capped, detection, belief, loyalty_rewarded=False)
    high, _, _ = response.rate_multipliers(constant, detection, belief, loyalty_rewarded=False)
    r = capped.response
    for b, name in enumerate(BEHAVIOURS):
        behaviour = getattr(capped.behaviours, name)
        if BEHAVIOUR_KIND[name] == "loyalty":
            continue
        if behaviour.lawful:  # chilling is fitted to an observed drop: never capped
            assert cap[b] == NO_CAP and low[b] == high[b]
            continue
        assert cap[b] == r.certainty_cap
        floor = r.certainty_cap ** r.certainty_elasticity * 1.5 ** r.severity_elasticity
        assert low[b] >= floor - 1e-12
        if belief.weight[b] * 0.5 / 0.1 > r.certainty_cap - 1:
            assert low[b] > high[b]


def traffic_world(quiet, sees: float, extrapolation: str):
    return quiet(
        behaviours={"traffic_violation": {"rate_per_year": 2.0, "points": -5, "severity": 0.0,
                                          "urban_multiplier": 1.0}},
        channels={"cameras": {"sees": {"traffic_violation": sees}, "coverage_urban": 1.0, "coverage_rural": 1.0}},
        rulebook={"mode": "public"},
        response={"certainty_elasticity": -0.5, "baseline_certainty": 0.1, "extrapolation": extrapolation},
    )


def offences(scenario, agents=50_000, days=120, seed=5):
    return scslab.Sim(scenario, agents=agents, seed=seed, days=days).run()


def adults(scenario, agents=50_000, seed=5) -> int:
    people = people_of(scenario, agents, seed)
    return int((people.age != CHILD).sum())


def test_in_a_run_capped_deterrence_stops_at_the_cap(quiet):
    """Detection 0.5 makes the certainty ratio 6: constant elasticity deters by 6 ** -0.5, the cap by 1.3 ** -0.5."""
    for rule, ratio in (("capped", 1.3), ("constant_elasticity", 6.0)):
        scenario = traffic_world(quiet, 0.5, rule)
        res = offences(scenario)
        expected = adults(scenario) * 2.0 / 365 * 120 * ratio ** -0.5
        got = res.timeseries["offences"].sum() / res.scale
        assert got == pytest.approx(expected, abs=4 * math.sqrt(expected)), rule


def test_in_a_run_within_the_cap_the_rules_agree_exactly(quiet):
    """Detection 0.02 makes the ratio 1.2, within the cap of 1.3: the same seed gives the same run."""
    a = offences(traffic_world(quiet, 0.02, "capped"), agents=20_000).timeseries
    b = offences(traffic_world(quiet, 0.02, "constant_elasticity"), agents=20_000).timeseries
    assert a["offences"].sum() > 0 and a.equals(b)


# --- secrecy: two positions --------------------------------------------------------------------------------------


def secrecy_world(quiet, mode: str, effect: str = "under_deters"):
    """Traffic (penalised) and lawful criticism (not penalised), each seen half the time; people know the
    detection probabilities at once, and the elasticities hold at any ratio (so the positions alone differ)."""
    return quiet(
        behaviours={"traffic_violation": {"rate_per_year": 2.0, "points": -5, "severity": 0.0, "urban_multiplier": 1.0},
                    "lawful_criticism": {"rate_per_year": 2.0, "points": 0}},
        channels={"cameras": {"sees": {"traffic_violation": 0.5, "lawful_criticism": 0.5}, "coverage_urban": 1.0,
                              "coverage_rural": 1.0}},
        rulebook={"mode": mode, "secrecy_effect": effect},
        response={"certainty_elasticity": -0.5, "chilling_elasticity": -0.15, "baseline_certainty": 0.1,
                  "secret_prior": 0.5, "ambiguity_premium": 0.2},
    )


@pytest.mark.parametrize(("mode", "effect", "offence_weight", "expression_weight"), [
    ("public", "under_deters", 1.0, 0.0),  # known: traffic penalised, criticism not
    ("secret", "under_deters", 0.5, 0.5),  # both guessed at the prior
    ("secret", "deters_more", 1.2, 0.6),  # the public expected sanction, and the prior, each with the premium
])
def test_each_secrecy_position_gives_its_perceived_risk(quiet, mode, effect, offence_weight, expression_weight):
    scenario = secrecy_world(quiet, mode, effect)
    res = offences(scenario, days=90)
    ts = res.timeseries
    expected = adults(scenario) * 2.0 / 365 * 90 * ((0.1 + 0.5 * offence_weight) / 0.1) ** -0.5
    got = ts["offences"].sum() / res.scale
    assert got == pytest.approx(expected, abs=4 * math.sqrt(expected))
    kept = ((0.1 + 0.5 * expression_weight) / 0.1) ** -0.15
    n = ts["expression_baseline"].sum() / res.scale
    rate = ts["expression"].sum() / ts["expression_baseline"].sum()
    assert rate == pytest.approx(kept, abs=4 * math.sqrt(max(kept * (1 - kept), 1e-9) / n))


def test_the_two_positions_move_deterrence_their_stated_ways_in_china(tmp_path):
    """Paired runs of china-2018 (same seed), with only the lawful expression no rulebook penalises
    (so that expression_rate measures chilling by secrecy alone): against a public rulebook,
    under_deters leaves more offences and chills expression; deters_more leaves fewer offences and
    chills expression too (more than under_deters: checked analytically above)."""
    unpenalised = ["behaviours.unreleased_information.points=0", "behaviours.protest.points=0",
                   "response.perception=known", "response.extrapolation=constant_elasticity"]
    runs = {}
    for label, overrides in (("public", ["rulebook.mode=public"]),
                             ("under_deters", ["rulebook.secrecy_effect=under_deters"]),
                             ("deters_more", ["rulebook.secrecy_effect=deters_more"])):
        sim = scslab.Sim(load("china-2018", unpenalised + overrides), agents=20_000, seed=6, days=180)
        ts = sim.run().timeseries
        runs[label] = (ts["offences"].sum(), ts["expression"].sum() / ts["expression_baseline"].sum())
    (public_offences, public_kept) = runs["public"]
    assert public_kept == 1.0  # nothing lawful is penalised, and people know it
    assert runs["under_deters"][0] > 1.05 * public_offences  # about 1.15 expected
    assert runs["deters_more"][0] < 0.98 * public_offences  # about 0.95 expected
    assert runs["under_deters"][1] < 1.0 and runs["deters_more"][1] < 1.0  # by how much: the quiet-world test


def test_under_a_public_rulebook_the_secrecy_position_changes_nothing(quiet):
    a = offences(secrecy_world(quiet, "public", "under_deters"), agents=10_000, days=30).timeseries
    b = offences(secrecy_world(quiet, "public", "deters_more"), agents=10_000, days=30).timeseries
    assert a["offences"].sum() > 0 and a.equals(b)


def test_beliefs_of_each_position():
    def belief(mode, effect, court=True, scoring=True):
        return response.beliefs(load("china-2018", [f"rulebook.mode={mode}", f"rulebook.secrecy_effect={effect}"]),
                                court, scoring)

    criticism, traffic = BEHAVIOURS.index("lawful_criticism"), TRAFFIC
    public, under, more = belief("public", "under_deters"), belief("secret", "under_deters"), \
        belief("secret", "deters_more")
    assert (public.penalised[[traffic, criticism]] == [1.0, 0.0]).all()
    assert (under.penalised[[traffic, criticism]] == [0.5, 0.5]).all() and (under.weight == under.penalised).all()
    assert (more.penalised[[traffic, criticism]] == [1.0, 0.5]).all()
    assert more.weight[traffic] == pytest.approx(1.2) and more.weight[criticism] == pytest.approx(0.6)
    for b in (public, under, more):  # the court list is public under any rulebook: no guess, no premium
        assert b.penalised[JUDGMENT] == b.weight[JUDGMENT] == 1.0
    assert not belief("secret", "deters_more", court=False, scoring=False).weight.any()
