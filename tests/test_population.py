import numpy as np
import pytest

from scslab.population import CHILD, allocate, lognormal_class_means, synthesize
from scslab.scenario.schema import Population


def test_allocate_is_exact_and_proportional():
    counts = allocate(1001, np.array([0.5, 0.3, 0.2]))
    assert counts.sum() == 1001
    assert np.all(np.abs(counts - np.array([500.5, 300.3, 200.2])) < 1)


@pytest.mark.parametrize("sigma", [0.0, 0.5, 1.0, 2.0])
def test_propensity_classes_have_mean_one(sigma):
    means = lognormal_class_means(sigma)
    assert means.mean() == pytest.approx(1.0, abs=1e-9)
    assert np.all(np.diff(means) >= 0)


def test_population_matches_its_aggregate_inputs():
    pop = Population(size=5_000_000)
    people = synthesize(pop, 200_000, seed=1)
    assert people.scale == pytest.approx(25.0)
    sizes = np.diff(people.stratum_start)
    assert sizes.sum() == 200_000
    urban = sizes[people.stratum_region == 0].sum() / 200_000
    assert urban == pytest.approx(pop.urban_share, abs=1e-4)
    for g, group in enumerate(pop.groups):
        assert (people.group == g).mean() == pytest.approx(group.share, abs=1e-4)
    for band, share in enumerate(pop.age_shares):
        # binomial standard error at n=200,000 is about 0.001
        assert (people.age == band).mean() == pytest.approx(share, abs=0.005)


def test_households_are_contiguous_headed_by_adults_and_of_the_right_mean_size():
    pop = Population(size=1_000_000, household_size_mean=3.0)
    people = synthesize(pop, 100_000, seed=2)
    heads = np.flatnonzero(people.household_offset == 0)
    assert np.all(people.age[heads] != CHILD)
    sizes = people.household_size[heads].astype(int)
    assert sizes.sum() == 100_000
    assert sizes.max() <= 15
    # within a household the offsets run 0..size-1
    run = np.concatenate([np.arange(s) for s in sizes])
    assert np.array_equal(run, people.household_offset)
    assert sizes.mean() == pytest.approx(3.0, rel=0.03)


def test_groups_have_their_own_places_and_incomes_where_given():
    """A group with its own urban share and income shares gets them (exact allocation, up to rounding); a
    group without them inherits the population's."""
    groups = [{"name": "a", "share": 0.8},
              {"name": "b", "share": 0.15, "urban_share": 0.3, "income_shares_urban": [0.6, 0.3, 0.1],
               "income_shares_rural": [0.8, 0.15, 0.05]},
              {"name": "c", "share": 0.05, "urban_share": 0.9}]
    pop = Population.model_validate({"size": 5_000_000, "urban_share": 0.6, "groups": groups})
    people = synthesize(pop, 200_000, seed=2)
    sizes = np.diff(people.stratum_start)

    def share(mask_strata, of_strata):
        return sizes[mask_strata].sum() / sizes[of_strata].sum()

    region, group, income = people.stratum_region, people.stratum_group, people.stratum_income
    for g, urban in ((0, 0.6), (1, 0.3), (2, 0.9)):
        assert share((group == g) & (region == 0), group == g) == pytest.approx(urban, abs=1e-3)
    for r, shares in ((0, [0.6, 0.3, 0.1]), (1, [0.8, 0.15, 0.05])):
        for band, expected in enumerate(shares):
            of = (group == 1) & (region == r)
            assert share(of & (income == band), of) == pytest.approx(expected, abs=2e-3)
    for band, expected in enumerate(pop.income_shares_urban):  # group c: the population's incomes
        of = (group == 2) & (region == 0)
        assert share(of & (income == band), of) == pytest.approx(expected, abs=2e-3)


def test_a_group_without_its_own_values_is_laid_out_exactly_as_before():
    plain = Population(size=5_000_000)
    same = Population.model_validate({"size": 5_000_000, "groups": [
        {**g.model_dump(), "urban_share": plain.urban_share} for g in plain.groups]})
    a, b = synthesize(plain, 50_000, seed=3), synthesize(same, 50_000, seed=3)
    assert np.array_equal(a.stratum_start, b.stratum_start) and np.array_equal(a.age, b.age)


def test_each_column_of_a_piece_holds_every_propensity_class_once():
    from scslab.population import EXPRESSION, OFFENDING, PROPENSITY_CLASSES, columns_of, propensity_classes
    people = synthesize(Population(size=1_000_000), 50_003, seed=4)
    for kind in (OFFENDING, EXPRESSION):
        classes = people.propensity(kind)
        for p in range(people.pieces):
            lo, hi = people.piece_start[p], people.piece_start[p + 1]
            m = columns_of(hi - lo)
            padded = np.full(m * PROPENSITY_CLASSES, 255, np.uint8)
            padded[: hi - lo] = classes[lo:hi]
            table = padded.reshape(PROPENSITY_CLASSES, m)  # row r, column k: agent lo + r * m + k
            full = table[:, : max((hi - lo) - (PROPENSITY_CLASSES - 1) * m, 0)]  # the columns with no gap
            assert full.shape[1] >= m - (PROPENSITY_CLASSES - 1)
            assert (np.sort(full, axis=0) == np.arange(PROPENSITY_CLASSES)[:, None]).all()
        np.testing.assert_array_equal(classes, propensity_classes(people.seed, kind, people.piece_start))


def test_adults_by_class_counts_each_pieces_adults_in_each_class():
    """``adults_by_class`` (column by column) gives the counts of the class of every adult, agent by agent."""
    from scslab.population import CHILD, EXPRESSION, OFFENDING, PROPENSITY_CLASSES, adults_by_class
    people = synthesize(Population(size=1_000_000), 50_003, seed=4)
    adult = people.age != CHILD
    piece = np.repeat(np.arange(people.pieces), np.diff(people.piece_start))
    for kind in (OFFENDING, EXPRESSION):
        cell = piece[adult] * PROPENSITY_CLASSES + people.propensity(kind)[adult]
        expected = np.bincount(cell, minlength=people.pieces * PROPENSITY_CLASSES).reshape(people.pieces, -1)
        np.testing.assert_array_equal(adults_by_class(people.seed, kind, people.piece_start, people.age), expected)


def test_member_of_class_inverts_the_class_of_an_agent():
    from scslab.population import OFFENDING, EXPRESSION, PROPENSITY_CLASSES, columns_of, member_of_class
    people = synthesize(Population(size=1_000_000), 10_007, seed=5)
    for kind in (OFFENDING, EXPRESSION):
        classes = people.propensity(kind)
        lo, hi = int(people.piece_start[0]), int(people.piece_start[1])
        found = []
        for column in range(columns_of(hi - lo)):
            for c in range(PROPENSITY_CLASSES):
                agent = member_of_class(people.seed, kind, lo, hi - lo, c, column)
                if agent >= 0:
                    assert classes[agent] == c
                    found.append(agent)
        assert sorted(found) == list(range(lo, hi))  # every agent once; the places past the end give -1


def test_propensity_classes_are_uniform_and_independent_between_neighbours_and_kinds():
    from scslab.population import EXPRESSION, OFFENDING, PROPENSITY_CLASSES as C
    people = synthesize(Population(size=10_000_000), 400_000, seed=6)
    off, expr = people.propensity(OFFENDING).astype(int), people.propensity(EXPRESSION).astype(int)
    n = len(off)
    np.testing.assert_allclose(np.bincount(off, minlength=C) / n, 1 / C, atol=1e-3)  # exact but for short rows
    # Household members are neighbours: the same class as the next agent 1/16 of the time, as if independent
    # (binomial standard error 0.0004 at n = 400,000; 5 of them allowed).
    assert np.mean(off[1:] == off[:-1]) == pytest.approx(1 / C, abs=0.002)
    assert np.mean(off == expr) == pytest.approx(1 / C, abs=0.002)
    # Pairs of (offending, expression) classes: chi-square on 255 degrees of freedom, below its 0.999 quantile.
    joint = np.bincount(off * C + expr, minlength=C * C)
    expected = n / C**2
    assert ((joint - expected) ** 2 / expected).sum() < 330.5


def test_the_order_of_uptake_visits_every_place_of_a_piece_once():
    from scslab.population import PROPENSITY_CLASSES, columns_of, place_of_rank, rank_stride
    for size in (1, 17, 1000, 4099, 65_536):
        m = columns_of(size)
        stride = rank_stride(m)
        assert np.gcd(stride, m) == 1
        places = [place_of_rank(7, 100, size, stride, r) for r in range(m * PROPENSITY_CLASSES)]
        found = sorted(p for p in places if p >= 0)
        assert found == list(range(100, 100 + size)) and places.count(-1) == m * PROPENSITY_CLASSES - size


def test_the_first_ranks_of_the_order_of_uptake_are_a_random_like_set():
    from scslab.population import columns_of, place_of_rank, rank_stride
    size = 200_000
    m = columns_of(size)
    stride = rank_stride(m)
    first = np.zeros(size, bool)
    ranks = np.arange(size // 4)  # a quarter of the places, as on the day a quarter of the piece has the app
    first[[p for p in (place_of_rank(3, 0, size, stride, int(r)) for r in ranks) if p >= 0]] = True
    share = first.mean()
    assert share == pytest.approx(0.25, abs=0.001)
    # Neighbours (a household's members) are both among them as often as if drawn one by one (standard error
    # about 0.001), and so are the people of each half of a row, and of each 64-block of the network.
    assert np.mean(first[1:] & first[:-1]) == pytest.approx(share**2, abs=0.005)
    offsets = np.arange(size) % m
    assert first[offsets < m // 2].mean() == pytest.approx(share, abs=0.01)
    blocks = first[: size // 64 * 64].reshape(-1, 64).mean(axis=1)
    assert blocks.std() == pytest.approx((share * (1 - share) / 64) ** 0.5, rel=0.15)
