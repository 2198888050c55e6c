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
