"""A short plain-language account of a run, from its summary: every count with its 95% interval (over the
replicates, or the Poisson interval of one run's agents) and a flag where it rests on few agents."""

from __future__ import annotations

import math

from .intervals import SMALL_NUMBER, entry, poisson_interval


def _n(x: float) -> str:
    x = float(x)
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f} million"
    return f"{x:,.0f}"


def _span(low: float, high: float) -> str:
    """An interval, in millions where its top is."""
    if high >= 1e6:
        return f"[{low / 1e6:.2f}-{high / 1e6:.2f} million]"
    return f"[{low:,.0f}-{high:,.0f}]"


def counted(people: float, scale: float) -> str:
    """A count in people that the summary has no interval for: its Poisson interval from the agents it rests on
    (``people / scale``), and the small-number flag."""
    agents = float(people) / scale if scale else 0.0
    low, high = poisson_interval(agents)
    return figure({"intervals": {"x": entry(people, low * scale, high * scale, "Poisson", agents)}}, "x")


def country_scale(summary: dict, country: str | None) -> float:
    """The people an agent of ``country`` stands for (the run's scale in a one-country run)."""
    by_country = summary.get("agents_by_country") or {}
    return by_country[country]["scale"] if country in by_country else summary.get("scale", 0.0)


def figure(summary: dict, name: str) -> str:
    """An output's figure as a sentence shows it: the value (the replicates' mean), its 95% interval, and a flag
    when it rests on fewer than ``intervals.SMALL_NUMBER`` agents."""
    i = (summary.get("intervals") or {}).get(name)
    if i is None:
        return _n(summary["end"][name])
    text = _n(i["value"])
    if i["high"] > 0:
        text += " " + _span(i["low"], i["high"])
    if i["small"]:
        text += f" (from {i['agents']:,.0f} agent{'' if round(i['agents']) == 1 else 's'}: a small number)"
    return text


def describe(summary: dict) -> str:
    """What happened in a run, in a few sentences a newcomer can read, then the tables."""
    lines = sentences(summary)
    lines.extend(_countries(summary))
    lines.extend(_firms(summary))
    lines.extend(_market(summary))
    targets = summary.get("targets") or []
    if targets:
        lines.append("Against the published figures (fitted to those up to 30 Sep 2018; later ones are predictions):")
        for t in targets:
            lines.append(
                f"  {t['date']}  {t['quantity']:<22} published {_n(t['published']):>14}  "
                f"model {_n(t['model']):>14} {_span(t['model_low'], t['model_high']) if 'model_low' in t else '':<26} "
                f"({t['relative_error']:+.1%})"
                + ("  prediction" if t.get("sample") == "prediction" else "")
            )
    return "\n".join(lines)


def sentences(summary: dict) -> list[str]:
    """The plain-language account of a run: what happened, and to whom."""
    e = summary["end"]
    f = lambda name: figure(summary, name)  # noqa: E731
    lines = [
        f"{summary['scenario']}: {summary['start_date']} to {summary['end_date']}, "
        f"{_n(summary['population'])} people simulated with {summary['agents']:,} agents "
        f"({per_agent(summary)}), {_seeds(summary)}, {summary['runtime_seconds']:.1f} s.",
    ]
    if e["listed_total"] == 0 and e["detections"] == 0 and e["false_detections"] == 0:
        lines.append("No social credit system operates in this scenario: nobody is recorded, scored or listed.")
    else:
        lines.append(
            f"{f('listed_total')} people were put on a blacklist; {f('listed')} are on one at the end, "
            f"{f('wrongly_listed')} of them with no offence behind the listing."
        )
        lines.append(
            f"{f('delisted_total')} left a list: {f('fulfilled_total')} fulfilled their court order, "
            f"{f('expired_total')} reached the end of the inclusion period, "
            f"{f('community_service_total')} did community service, {f('corrected_total')} had a wrongful "
            f"listing corrected."
        )
        lines.append(
            f"Ticket purchases blocked: {f('flight_blocks_total')} flights and {f('train_blocks_total')} "
            f"trains, by {f('people_blocked')} different people; "
            f"{f('joint_punished')} household members are under joint punishment."
        )
        if e["grade_listed_total"]:
            lines.append(
                f"Grade lists (local points systems): {f('grade_listed_total')} entries, "
                f"{f('grade_listed')} on one at the end; "
                f"{f('mortgages_denied_nonfinancial_total')} mortgage applications were refused to "
                f"people not on the court blacklist, for a low grade from other records."
            )
        if e["redlisted"] or e["deposits_waived_total"] or e["priority_services_total"]:
            lines.append(
                f"{f('redlisted')} people are on the redlist at the end; its perks waived "
                f"{f('deposits_waived_total')} deposits ({f('deposit_value_waived_total')} in "
                f"the scenario's currency) and put the redlisted first in {f('priority_services_total')} "
                f"queues.")
        refusals = e["job_refusals_total"] + e["business_refusals_total"] + e["preferential_refusals_total"]
        if refusals or e["school_refusals_total"]:
            lines.append(
                f"Joint punishment across agencies refused the listed {f('job_refusals_total')} "
                f"restricted posts, {f('business_refusals_total')} firms' registrations, licences or "
                f"bids and {f('preferential_refusals_total')} subsidies or honours, and their "
                f"children {f('school_refusals_total')} school places; each refusal raises the "
                f"pressure to pay.")
        reports, malicious = summary.get("informant_reports_in_run", 0), summary.get("malicious_reports_in_run", 0)
        if reports or malicious or e["shunned_total"]:
            lines.append(
                f"Informants reported {f('informant_reports_in_run')} acts of their contacts and made "
                f"{f('malicious_reports_in_run')} malicious reports about contacts who did nothing; "
                f"{f('informant_listings_total')} people were put on a list by an informant's report. "
                f"{f('shunned_total')} contacts turned away from people put on the court list."
            )
        if e["loans_premium_total"] or e["loans_discount_total"]:
            lines.append(
                f"Loans priced by list status: the listed pay {f('loan_interest_premium_total')} more interest a "
                f"year on {f('loans_premium_total')} loans; the redlisted save "
                f"{f('loan_interest_saved_total')} a year on {f('loans_discount_total')} "
                f"(in the scenario's currency)."
            )
    spread = (summary.get("intervals") or {}).get("expression_rate_last_365_days")
    rate = spread["value"] if spread else summary.get("expression_rate_last_365_days", 1.0)
    lines.append(
        f"Lawful political expression over the last year: {rate:.1%}"
        + (f" [{spread['low']:.1%}-{spread['high']:.1%}]" if spread else "")
        + " of what the same people would say with no system"
        + (" (no chilling)." if rate >= 0.995 else f" ({1 - rate:.1%} chilled).")
    )
    if e["listed"] and "countries_at_end" not in summary:
        lines.extend(_disparity(summary))
    days = summary.get("median_days_listed_at_exit")
    if days is not None:
        exits = (summary.get("intervals") or {}).get("delisted_total")
        lines.append(f"Half of those who got off a list had been on it for {days:,.0f} days or less"
                     + (f" (from {exits['agents']:,.0f} agents: a small number)." if exits and exits["small"] else "."))
    return lines


def _seeds(summary: dict) -> str:
    """The seed, or the replicates' seeds and what the figures are."""
    seeds = summary.get("replicates")
    if not seeds:
        return f"seed {summary['seed']} (95% intervals: Poisson, from the agents counted)"
    return f"seeds {seeds[0]}-{seeds[-1]} (figures: the mean of {len(seeds)} runs [95% interval])"


def per_agent(summary: dict) -> str:
    """How many people an agent stands for: one figure, or the range over the groups (or countries) sampled
    with different weights."""
    parts = summary.get("agents_by_group") or summary.get("agents_by_country")
    if not parts:
        return f"1 agent = {summary['scale']:,.1f} people"
    scales = {name: c["scale"] for name, c in parts.items()}
    most, fewest = max(scales, key=scales.get), min(scales, key=scales.get)
    if math.isclose(scales[most], scales[fewest]):
        return f"1 agent = {scales[most]:,.1f} people"
    return f"1 agent = {scales[most]:,.1f} people in {most} to {scales[fewest]:,.1f} in {fewest}"


def _disparity(summary: dict) -> list[str]:
    """Wrongful listing per 100,000 people of each group with its interval, and how far apart the groups are,
    or that noise could make the difference."""
    counts = summary.get("wrongful_listing_by_group") or {}
    if not counts or not any(v["wrongly_listed_agents"] for v in counts.values()):
        return []
    parts = []
    for g, v in counts.items():
        low, high = poisson_interval(v["wrongly_listed_agents"])
        per = 1e5 / v["agents"]
        parts.append(f"{g} {v['wrongly_listed_agents'] * per:,.1f} [{low * per:,.1f}-{high * per:,.1f}]")
    lines = ["Wrongly listed per 100,000 people of each group (from "
             f"{sum(v['wrongly_listed_agents'] for v in counts.values()):,.0f} agents wrongly listed): "
             + "; ".join(parts) + "."]
    ratio = summary.get("wrongful_listing_ratio")
    if ratio is None:
        return lines
    span = f"{ratio['ratio']:.1f} times, 95% interval {ratio['low']:.1f} to {ratio['high']:.1f}"
    if ratio["distinguishable"]:
        lines.append(f"A {ratio['group']} person is more likely to be wrongly listed than a {ratio['reference']} "
                     f"person: {span}.")
    else:
        lines.append(f"The difference between {ratio['group']} and {ratio['reference']} people is not distinguishable "
                     f"from noise ({span}, which includes no difference).")
    return lines


def country_figures(summary: dict, name: str) -> dict[str, str]:
    """A country's figures at the end as the summary and the report show them, each with its interval and flag:
    its nationals' counts from its own agents; the foreigners on its list, who come from every country, from
    the agents of the country whose agents stand for most people (the widest interval: a conservative one)."""
    c = summary["countries_at_end"][name]
    shown = {"intervals": (summary.get("country_intervals") or {}).get(name), "end": c}
    scale = country_scale(summary, name)
    widest = _widest_scale(summary) or scale
    return {"listed": figure(shown, "listed"), "wrongly_listed": figure(shown, "wrongly_listed"),
            "nationals_exposed_total": _exposed(shown, "nationals_exposed_total", scale),
            "diaspora_exposed_total": _exposed(shown, "diaspora_exposed_total", scale),
            "foreigners_listed": counted(c["foreigners_listed"], widest), "trust_index": f"{c['trust_index']:.4f}",
            "sanctioned_abroad": figure(shown, "sanctioned_for_acts_abroad_total"),
            "relatives_pressured": figure(shown, "relatives_pressured_total"),
            "sent_home": figure(shown, "deported_home_total"),
            "expression_abroad": share(shown, "expression_abroad_rate")}


def share(summary: dict, name: str) -> str:
    """A share as a sentence shows it: the value, its 95% interval where the summary has one, and a flag when it
    rests on fewer than ``intervals.SMALL_NUMBER`` events."""
    i = (summary.get("intervals") or {}).get(name)
    if i is None:
        return f"{summary['end'][name]:.1%}"
    text = f"{i['value']:.1%} [{i['low']:.1%}-{i['high']:.1%}]"
    if i["small"]:
        text += f" (from {i['agents']:,.0f} event{'' if round(i['agents']) == 1 else 's'}: a small number)"
    return text


def _exposed(shown: dict, name: str, scale: float) -> str:
    """A count of people exposed: its interval from the agents exposed where the summary has one (runs since
    groups could weigh differently), else from the country's scale."""
    if name in (shown["intervals"] or {}):
        return figure(shown, name)
    return counted(shown["end"][name], scale)


def _widest_scale(summary: dict) -> float:
    """The most people an agent of any country stands for: the conservative scale of a count of people from
    every country."""
    return max((v["scale"] for v in (summary.get("agents_by_country") or {}).values()),
               default=summary.get("scale", 0.0))


def arrangement_figures(summary: dict, name: str) -> dict[str, str]:
    """A data-sharing arrangement's records sent, and the people and diaspora it exposed with their intervals and
    flags (from the agents exposed, each weighing what it stands for; in a summary from before they were kept,
    from the agents of the country whose agents stand for most people)."""
    a = summary["arrangements"][name]
    if "intervals" in a:
        shown = {"intervals": a["intervals"], "end": a}
        return {"records": _n(a["records"]), "people_exposed": figure(shown, "people_exposed"),
                "diaspora_exposed": figure(shown, "diaspora_exposed")}
    widest = _widest_scale(summary)
    return {"records": _n(a["records"]), "people_exposed": counted(a["people_exposed"], widest),
            "diaspora_exposed": counted(a["diaspora_exposed"], widest)}


def _countries(summary: dict) -> list[str]:
    """Per country and per data-sharing arrangement, for many-country runs."""
    countries = summary.get("countries_at_end")
    if not countries:
        return []
    lines = ["By country at the end (listed; wrongly listed; foreigners listed there; trust index; nationals whose "
             "records were sent across a border, of them diaspora):"]
    for name in countries:
        f = country_figures(summary, name)
        lines.append(f"  {name}: {f['listed']}; {f['wrongly_listed']}; {f['foreigners_listed']}; "
                     f"{f['trust_index']}; {f['nationals_exposed_total']}, {f['diaspora_exposed_total']}")
    reprisal = [name for name in countries if summary["countries_at_end"][name]["sanctioned_for_acts_abroad_total"]]
    if reprisal:
        lines.append("Acts abroad sanctioned at home (nationals listed for political acts a partner sent home; "
                     "relatives pressured at home; deported home at the request; expression abroad kept, against "
                     "no system):")
        for name in reprisal:
            f = country_figures(summary, name)
            lines.append(f"  {name}: {f['sanctioned_abroad']}; {f['relatives_pressured']}; {f['sent_home']}; "
                         f"{f['expression_abroad']}")
    arrangements = summary.get("arrangements") or {}
    if arrangements:
        lines.append("Data sharing (records sent, people exposed, of them diaspora):")
        for name in arrangements:
            a = arrangement_figures(summary, name)
            lines.append(f"  {name:<20} {a['records']:>14} records, {a['people_exposed']} people, "
                         f"{a['diaspora_exposed']} diaspora")
    flows = {name: flow_figures(summary, name) for name, f in (summary.get("flows") or {}).items()
             if f["figures"]["sent_home"]["value"] > 0}
    if flows:
        lines.append("Travel flows whose records reached home (people abroad at the end; the host's records about "
                     "them; of them delivered home; people sanctioned at home for acts abroad):")
        for name, f in flows.items():
            lines.append(f"  {name} ({f['route']}): {f['abroad_at_end']}; {f['host_records']}; {f['sent_home']}; "
                         f"{f['sanctioned_at_home']}")
        quiet = len(summary["flows"]) - len(flows)
        if quiet:
            lines.append(f"  ({quiet} other flow{'s' if quiet > 1 else ''} sent no record home: flows.parquet has "
                         "every flow)")
    return lines


def flow_figures(summary: dict, name: str) -> dict[str, str]:
    """A travel flow's route and totals as the summary and the report show them, each with its interval and flag."""
    flow = summary["flows"][name]
    shown = {"intervals": flow["figures"], "end": {}}
    return {"route": f"{flow['home']} to {flow['host']}, {flow['kind'].replace('_', ' ')}"} | {
        key: figure(shown, key) for key in flow["figures"]}


def telling_sectors(summary: dict) -> dict:
    """The sectors of a run's firms where a customer's record changed anything (a premium or a refusal)."""
    return {key: f for key, f in (summary.get("firms") or {}).items()
            if f["refused"] or any(v["premium_mean"] for v in f["by_grade"].values())}


SMALL_CELL = "*"
"""Marks a firms' cell whose transactions rest on fewer than ``intervals.SMALL_NUMBER`` agents."""


def terms(figures: dict | None, scale: float = 0.0) -> str:
    """A cell's mean premium and, if any, its share refused ("" for no transactions), marked ``SMALL_CELL``
    where its transactions rest on few agents (``scale`` people an agent)."""
    if figures is None:
        return ""
    mean = figures["premium_mean"]
    text = "all refused" if mean is None else f"{mean:+.3g}"
    if figures["refused_share"] and mean is not None:
        text += f" ({figures['refused_share']:.2%} refused)"
    if scale and 0 < figures["transactions"] / scale < SMALL_NUMBER:
        text += SMALL_CELL
    return text


def sector_scale(summary: dict, key: str) -> float:
    """The people an agent stands for among a sector's customers (its country's, for ``country/sector``)."""
    return country_scale(summary, key.rsplit("/", 1)[0] if "/" in key else None)


def _firms(summary: dict) -> list[str]:
    """What each sector charged by grade and by group, where anything depended on the record."""
    sectors = telling_sectors(summary)
    if not summary.get("firms"):
        return []
    if not sectors:
        return ["Firms: no customer's terms depended on their record (firms could not read one, or nothing "
                "set anyone apart)."]
    lines = ["What firms charged over their standard terms, per transaction served (premium in each sector's unit; "
             "share refused):"]
    for key, f in sectors.items():
        scale = sector_scale(summary, key)
        by_grade = ", ".join(f"{g} {terms(v, scale)}" for g, v in f["by_grade"].items())
        country = key.rsplit("/", 1)[0] + "/" if "by_customer" in f else ""
        groups = {g.removeprefix(country): v for g, v in f["by_group"].items() if g.startswith(country)}
        if "foreigners" in f.get("by_customer", {}):
            groups["foreigners"] = f["by_customer"]["foreigners"]
        by_group = ", ".join(f"{g} {terms(v, scale)}" for g, v in groups.items())
        wrongly = f["wrongly_listed_share_of_refused"]
        lines.append(f"  {key} ({f['unit']}; {f['access']} access): {counted(f['transactions'], scale)} transactions, "
                     f"{counted(f['refused'], scale)} refused"
                     + (f", {wrongly:.1%} of them wrongly listed" if wrongly is not None else "") + ".")
        lines.append(f"    by grade: {by_grade}")
        lines.append(f"    by group: {by_group}")
    if any(SMALL_CELL in line for line in lines[1:]):
        lines.append(f"  {SMALL_CELL} from fewer than {SMALL_NUMBER} agents' transactions: a small number.")
    return lines


def _market(summary: dict) -> list[str]:
    """Records traded between countries on the credit-information market."""
    market = summary.get("market")
    if not market:
        return []
    if not market["records"]:
        return ["Credit-information market: no records were traded."]
    lines = [f"Credit-information market: {_n(market['records'])} records sold for US${_n(market['money'])} "
             "(seller -> buyer; each pair's records with the Poisson interval of the agents they are about):"]
    for pair, v in market["pairs"].items():
        scale = country_scale(summary, pair.split(" -> ")[0])
        lines.append(f"  {pair:<28} {counted(v['records'], scale)} records, US${_n(v['money'])}")
    return lines
