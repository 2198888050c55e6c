"""A short plain-language account of a run, from its summary."""

from __future__ import annotations


def _n(x: float) -> str:
    x = float(x)
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f} million"
    return f"{x:,.0f}"


SMALL_NUMBER = 30
"""A count resting on fewer agents than this is flagged: a run of other seeds could give a very different one."""


def _counted(x: float, scale: float) -> str:
    """A count, with a small-number flag when it rests on fewer than ``SMALL_NUMBER`` agents."""
    agents = round(float(x) / scale) if scale else 0
    flag = f" (from {agents} agents: a small number)" if 0 < agents < SMALL_NUMBER else ""
    return _n(x) + flag


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
                f"model {_n(t['model']):>14}  ({t['relative_error']:+.1%})"
                + ("  prediction" if t.get("sample") == "prediction" else "")
            )
    return "\n".join(lines)


def sentences(summary: dict) -> list[str]:
    """The plain-language account of a run: what happened, and to whom."""
    e = summary["end"]
    lines = [
        f"{summary['scenario']}: {summary['start_date']} to {summary['end_date']}, "
        f"{_n(summary['population'])} people simulated with {summary['agents']:,} agents "
        f"(1 agent = {summary['scale']:,.1f} people), seed {summary['seed']}, {summary['runtime_seconds']:.1f} s.",
    ]
    if e["listed_total"] == 0 and e["detections"] == 0 and e["false_detections"] == 0:
        lines.append("No social credit system operates in this scenario: nobody is recorded, scored or listed.")
    else:
        lines.append(
            f"{_n(e['listed_total'])} people were put on a blacklist; {_n(e['listed'])} are on one at the end, "
            f"{_n(e['wrongly_listed'])} of them with no offence behind the listing."
        )
        lines.append(
            f"{_n(e['delisted_total'])} left a list: {_n(e['fulfilled_total'])} fulfilled their court order, "
            f"{_n(e['expired_total'])} reached the end of the inclusion period, "
            f"{_n(e['community_service_total'])} did community service, {_n(e['corrected_total'])} had a wrongful "
            f"listing corrected."
        )
        lines.append(
            f"Ticket purchases blocked: {_n(e['flight_blocks_total'])} flights and {_n(e['train_blocks_total'])} "
            f"trains, by {_n(e['people_blocked'])} different people; "
            f"{_n(e['joint_punished'])} household members are under joint punishment."
        )
        scale = summary["scale"]
        if e["grade_listed_total"]:
            lines.append(
                f"Grade lists (local points systems): {_counted(e['grade_listed_total'], scale)} entries, "
                f"{_counted(e['grade_listed'], scale)} on one at the end; "
                f"{_counted(e['mortgages_denied_nonfinancial_total'], scale)} mortgage applications were refused to "
                f"people not on the court blacklist, for a low grade from other records."
            )
        if e["redlisted"] or e["deposits_waived_total"] or e["priority_services_total"]:
            lines.append(
                f"{_counted(e['redlisted'], scale)} people are on the redlist at the end; its perks waived "
                f"{_counted(e['deposits_waived_total'], scale)} deposits ({_n(e['deposit_value_waived_total'])} in "
                f"the scenario's currency) and put the redlisted first in {_counted(e['priority_services_total'], scale)} "
                f"queues.")
        refusals = e["job_refusals_total"] + e["business_refusals_total"] + e["preferential_refusals_total"]
        if refusals or e["school_refusals_total"]:
            lines.append(
                f"Joint punishment across agencies refused the listed {_counted(e['job_refusals_total'], scale)} "
                f"restricted posts, {_counted(e['business_refusals_total'], scale)} firms' registrations, licences or "
                f"bids and {_counted(e['preferential_refusals_total'], scale)} subsidies or honours, and their "
                f"children {_counted(e['school_refusals_total'], scale)} school places; each refusal raises the "
                f"pressure to pay.")
        reports, malicious = summary.get("informant_reports_in_run", 0), summary.get("malicious_reports_in_run", 0)
        if reports or malicious or e["shunned_total"]:
            lines.append(
                f"Informants reported {_counted(reports, scale)} acts of their contacts and made "
                f"{_counted(malicious, scale)} malicious reports about contacts who did nothing; "
                f"{_counted(e['informant_listings_total'], scale)} people were put on a list by an informant's report. "
                f"{_counted(e['shunned_total'], scale)} contacts turned away from people put on the court list."
            )
        if e["loans_premium_total"] or e["loans_discount_total"]:
            lines.append(
                f"Loans priced by list status: the listed pay {_n(e['loan_interest_premium_total'])} more interest a "
                f"year on {_counted(e['loans_premium_total'], scale)} loans; the redlisted save "
                f"{_n(e['loan_interest_saved_total'])} a year on {_counted(e['loans_discount_total'], scale)} "
                f"(in the scenario's currency)."
            )
    rate = summary.get("expression_rate_last_365_days", 1.0)
    lines.append(
        f"Lawful political expression over the last year: {rate:.1%} of what the same people would say with no system"
        + (" (no chilling)." if rate >= 0.995 else f" ({1 - rate:.1%} chilled).")
    )
    groups = summary.get("by_group_at_end", {})
    if groups and e["listed"] and "countries_at_end" not in summary:
        parts = [f"{g}: {_n(v['wrongly_listed'])} of {_n(v['listed'])}" for g, v in groups.items()]
        lines.append("Wrongly listed / listed by group at the end: " + "; ".join(parts) + ".")
        lines.extend(_disparity(groups))
    days = summary.get("median_days_listed_at_exit")
    if days is not None:
        lines.append(f"Half of those who got off a list had been on it for {days:,.0f} days or less.")
    return lines


def _disparity(groups: dict) -> list[str]:
    """Wrongful listing per 100,000 people of each group, and how far apart the groups are."""
    rates = {g: v["wrongly_listed"] / v["people"] * 1e5 for g, v in groups.items() if v.get("people")}
    if not rates or max(rates.values()) == 0:
        return []
    parts = "; ".join(f"{g} {r:,.1f}" for g, r in rates.items())
    line = f"Wrongly listed per 100,000 people of each group: {parts}."
    largest = max(rates, key=lambda g: groups[g]["people"])
    highest = max(rates, key=rates.get)
    if rates[largest] > 0 and highest != largest:
        line += (f" A {highest} person is {rates[highest] / rates[largest]:.1f} times as likely to be wrongly listed "
                 f"as a {largest} person.")
    return [line]


def _countries(summary: dict) -> list[str]:
    """Per country and per data-sharing arrangement, for many-country runs."""
    countries = summary.get("countries_at_end")
    if not countries:
        return []
    lines = ["By country at the end (listed / wrongly listed / foreigners listed there / trust index / "
             "nationals whose records were sent across a border, of them diaspora):"]
    for name, c in countries.items():
        lines.append(
            f"  {name:<12} {_n(c['listed']):>14} / {_n(c['wrongly_listed']):>12} / {_n(c['foreigners_listed']):>10}"
            f" / {c['trust_index']:.4f} / {_n(c['nationals_exposed_total'])}, {_n(c['diaspora_exposed_total'])}"
        )
    arrangements = summary.get("arrangements") or {}
    if arrangements:
        lines.append("Data sharing (records sent, people exposed, of them diaspora):")
        for name, a in arrangements.items():
            lines.append(f"  {name:<20} {_n(a['records']):>14} records, {_n(a['people_exposed'])} people, "
                         f"{_n(a['diaspora_exposed'])} diaspora")
    return lines


def telling_sectors(summary: dict) -> dict:
    """The sectors of a run's firms where a customer's record changed anything (a premium or a refusal)."""
    return {key: f for key, f in (summary.get("firms") or {}).items()
            if f["refused"] or any(v["premium_mean"] for v in f["by_grade"].values())}


def terms(figures: dict | None) -> str:
    """A cell's mean premium and, if any, its share refused ("" for no transactions)."""
    if figures is None:
        return ""
    mean = figures["premium_mean"]
    text = "all refused" if mean is None else f"{mean:+.3g}"
    if figures["refused_share"] and mean is not None:
        text += f" ({figures['refused_share']:.2%} refused)"
    return text


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
        by_grade = ", ".join(f"{g} {terms(v)}" for g, v in f["by_grade"].items())
        country = key.rsplit("/", 1)[0] + "/" if "by_customer" in f else ""
        groups = {g.removeprefix(country): v for g, v in f["by_group"].items() if g.startswith(country)}
        if "foreigners" in f.get("by_customer", {}):
            groups["foreigners"] = f["by_customer"]["foreigners"]
        by_group = ", ".join(f"{g} {terms(v)}" for g, v in groups.items())
        wrongly = f["wrongly_listed_share_of_refused"]
        lines.append(f"  {key} ({f['unit']}; {f['access']} access): {_n(f['transactions'])} transactions, "
                     f"{_n(f['refused'])} refused"
                     + (f", {wrongly:.1%} of them wrongly listed" if wrongly is not None else "") + ".")
        lines.append(f"    by grade: {by_grade}")
        lines.append(f"    by group: {by_group}")
    return lines


def _market(summary: dict) -> list[str]:
    """Records traded between countries on the credit-information market."""
    market = summary.get("market")
    if not market:
        return []
    if not market["records"]:
        return ["Credit-information market: no records were traded."]
    lines = [f"Credit-information market: {_n(market['records'])} records sold for US${_n(market['money'])} "
             "(seller -> buyer):"]
    for pair, v in market["pairs"].items():
        lines.append(f"  {pair:<28} {_n(v['records']):>14} records, US${_n(v['money'])}")
    return lines
