"""Counter-based streams: the Poisson counts of a day follow the Poisson law, and each decision and
piece has its own stream."""

import numpy as np
import pytest
from scipy import stats

from scslab.streams import COUNTS, poisson, poisson_counts, stream

DRAWS = 100_000


@pytest.mark.parametrize("mean", [0.02, 0.9, 4.0, 9.99, 10.0, 37.5, 2_000.0])
def test_poisson_counts_follow_the_poisson_law(mean):
    """Both branches (inversion below a mean of 10, transformed rejection above): a chi-square test of
    the counts against the Poisson pmf over bins with at least 20 expected draws, at the 0.1% level
    (a false alarm once in a thousand runs of a given seed; the seeds are fixed, so it is stable)."""
    counts = poisson_counts(3, np.array([11], np.int64), 5, np.full((1, DRAWS), mean))[0]
    lo, hi = stats.poisson.ppf([1e-4, 1 - 1e-4], mean).astype(int)
    support = np.arange(lo, hi + 1)
    expected = stats.poisson.pmf(support, mean) * DRAWS
    observed = np.bincount(np.clip(counts, lo, hi) - lo, minlength=len(support))
    expected[0] += stats.poisson.cdf(lo - 1, mean) * DRAWS
    expected[-1] += stats.poisson.sf(hi, mean) * DRAWS
    # merge the sparse tails until every bin expects at least 20
    bins_o, bins_e, o, e = [], [], 0, 0.0
    for ob, ex in zip(observed, expected):
        o, e = o + ob, e + ex
        if e >= 20:
            bins_o.append(o), bins_e.append(e)
            o, e = 0, 0.0
    if bins_o:
        bins_o[-1] += o
        bins_e[-1] += e
    if len(bins_o) < 2:  # a mean so small that nearly every draw is 0: compare the share of zeros
        assert abs((counts == 0).mean() - np.exp(-mean)) < 4 * np.sqrt(np.exp(-mean) * (1 - np.exp(-mean)) / DRAWS)
        return
    statistic = ((np.array(bins_o) - np.array(bins_e)) ** 2 / np.array(bins_e)).sum()
    assert stats.chi2.sf(statistic, len(bins_o) - 1) > 1e-3


def test_zero_and_negative_means_draw_nothing():
    state = stream(1, 2, 3, 4)
    before = state[0]
    assert poisson(state, 0.0) == 0 and poisson(state, -1.0) == 0
    assert state[0] == before  # no draw consumed
    assert not poisson_counts(1, np.array([1, 2], np.int64), 0, np.zeros((2, 5))).any()


def test_each_decision_and_piece_has_its_own_counts():
    """Changing one decision's means leaves every other decision's and piece's counts identical, and the
    counts do not reuse the stream the decision draws from inside its pieces."""
    keys = np.array([100, 101, 1 << 33], np.int64)
    means = np.full((3, 50), 25.0)
    before = poisson_counts(9, keys, 12, means)
    means[1] *= 3.0
    after = poisson_counts(9, keys, 12, means)
    assert np.array_equal(before[[0, 2]], after[[0, 2]])
    assert not np.array_equal(before[1], after[1])
    assert np.array_equal(poisson_counts(9, keys, 12, means), after)  # reproducible
    assert not np.array_equal(poisson_counts(9, keys, 13, means), after)  # a new day, new counts
    assert stream(9, 100 + COUNTS, 12, 0)[0] != stream(9, 100, 12, 0)[0]
