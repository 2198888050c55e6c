"""The scslab dashboard page (Streamlit). Served by ``scslab dashboard``; see docs/dashboard.md."""

from __future__ import annotations

import hashlib

import streamlit as st

from scslab import plots
from scslab.dashboard import session
from scslab.scenario.levers import levers
from scslab.scenario.loading import ScenarioError, builtin_names, dumps, load

st.set_page_config(page_title="scslab dashboard", layout="wide")


def progress_callback(bar, text: str):
    """A progress callback that redraws the bar about a hundred times per run."""
    state = {"shown": -1}

    def update(done: int, total: int):
        percent = done * 100 // total
        if percent != state["shown"]:
            state["shown"] = percent
            bar.progress(percent / 100, text=f"{text}: day {done:,} of {total:,}")

    return update


def choose_scenario():
    """The scenario picked in the sidebar, or None (with the error shown) if an upload is bad."""
    st.sidebar.header("Scenario")
    origin = st.sidebar.radio("Start from", ["a built-in scenario", "my scenario file"], key="origin")
    if origin == "a built-in scenario":
        names = builtin_names()
        name = st.sidebar.selectbox("Built-in scenario", names, index=names.index("china-2018"), key="builtin")
        return load(name)
    upload = st.sidebar.file_uploader(
        f"Scenario file (.toml, at most {session.MAX_UPLOAD_BYTES // 1024} KiB)", type=["toml"], key="upload",
        help="The same TOML format as `scslab run FILE`; `scslab validate FILE` checks it from the command line.",
    )
    if upload is None:
        st.info("Upload a scenario file to start, or pick a built-in scenario.")
        return None
    try:
        return session.read_upload(upload.name, upload.getvalue())
    except ScenarioError as error:
        st.error(str(error), icon="⚠️")
        return None


def control(lever, key: str):
    """One sidebar control, built from the lever's kind, range and meaning."""
    help_ = f"{lever.meaning} ({lever.unit})" if lever.unit and lever.unit != "-" else lever.meaning
    if lever.kind == "switch":
        return st.sidebar.toggle(lever.label, value=bool(lever.value), help=help_, key=key)
    if lever.kind == "choice":
        return st.sidebar.radio(lever.label, lever.options, index=lever.options.index(lever.value), help=help_,
                                horizontal=True, key=key)
    step = 0.01 if lever.high <= 10 else 0.5
    value = min(max(float(lever.value), lever.low), lever.high)
    return st.sidebar.slider(lever.label, float(lever.low), float(lever.high), value, step=step, help=help_, key=key)


def main():
    st.title("scslab policy lab")
    st.caption("Move a lever of a simulated social credit system and see what it does to a synthetic population. "
               "scslab models; it never operates: nobody here is a real person.")
    scenario = choose_scenario()
    if scenario is None:
        return
    text = dumps(scenario)
    tag = hashlib.sha1(text.encode()).hexdigest()[:10]

    st.sidebar.header("Run")
    agents = st.sidebar.number_input("Agents", min_value=1_000, max_value=session.MAX_AGENTS,
                                     value=min(scenario.default_agents, session.DEFAULT_AGENTS), step=10_000,
                                     key=f"{tag}:agents", help="More agents: less noise, slower runs.")
    seed = st.sidebar.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key=f"{tag}:seed")
    country = None
    if scenario.countries:
        country = st.sidebar.selectbox("Levers of country", list(scenario.countries), key=f"{tag}:country")

    st.sidebar.header("Levers")
    values = {lever: control(lever, f"{tag}:{lever.key}") for lever in levers(scenario, country)}
    go = st.sidebar.button("Run", type="primary", key="run", use_container_width=True)

    if go:
        try:
            variant = session.with_levers(scenario, values)
        except ScenarioError as error:
            st.error(str(error), icon="⚠️")
            return
        bar = st.progress(0.0, text="Starting")
        try:
            base = session.baseline(scenario, int(agents), int(seed), progress_callback(bar, "Baseline"))
            ran = base if variant is scenario else session.run(variant, int(agents), int(seed),
                                                               progress_callback(bar, "With your levers"))
        except ValueError as error:  # a run this machine cannot make (too many agents, too few for the countries)
            bar.empty()
            st.error(str(error), icon="⚠️")
            return
        bar.empty()
        st.session_state["shown"] = (tag, session.LeverComparison(ran, base), session.changes(values))

    shown = st.session_state.get("shown")
    if shown is None or shown[0] != tag:
        st.info("Set the levers in the sidebar and press **Run**. The first run also runs the baseline "
                "(the scenario as it is), which is then kept.")
        return
    _, comparison, changed = shown
    show(comparison, changed)


def show(comparison: session.LeverComparison, changed: list[str]):
    summary = comparison.run.summary
    st.subheader(f"{summary['scenario']}: {summary['start_date']} to {summary['end_date']}")
    st.write(f"{summary['agents']:,} agents for {summary['population']:,} people, seed {summary['seed']}, "
             f"{summary['runtime_seconds']:.1f} s. "
             + ("Levers moved: " + "; ".join(changed) + "." if changed else "Levers as in the scenario."))
    columns = st.columns(len(session.HEADLINE))
    for column, (label, value, delta) in zip(columns, session.headline(comparison)):
        column.metric(label, value, delta, delta_color="off" if delta is None else "inverse")
    st.caption("Changes are from the baseline run with the same seed. 95% intervals (Poisson, from the agents "
               "counted) with your levers: " + session.intervals(comparison.run) + ". Baseline: "
               + session.intervals(comparison.baseline) + ".")
    for name in plots.CHARTS:
        ran, base = plots.chart(comparison.run, name), plots.chart(comparison.baseline, name)
        if ran is None and base is None:
            continue
        left, right = st.columns(2)
        for column, chart, heading in ((left, ran, "With your levers"), (right, base, "Baseline")):
            if chart is not None:
                figure = plots.to_plotly(chart)
                figure.update_layout(title=f"{chart.title} ({heading.lower()})", height=380)
                column.plotly_chart(figure, use_container_width=True, key=f"{name}:{heading}")
        st.caption(ran.caption if ran is not None else base.caption)
    flows = session.flow_table(comparison.run)
    if flows is not None:
        st.subheader("Travel flows (with your levers)")
        st.dataframe(flows, use_container_width=True)
        st.caption("Each flow of people between two countries over the run, with 95% intervals (Poisson, from the "
                   "agents counted) and small-number flags; flows.parquet in a saved run has the same.")


main()
