"""The MCMC kernels alone, against enumeration, with negative controls.

The public MCMC sampler mixes exact refreshes into its chains on some problems, so here the
chains run without them: many independent chains start at the same allocation and each
contributes its state after a run several times longer than it needs to mix (from a
fixed start, 5000 circuit chains pass the test after 25 proposals; they run 200), which
makes the draws independent and the chi-square test on lattice counts valid. A correct
kernel fails it with probability ALPHA = 1e-3 (two tests, family-wise 0.2%). Each kernel
is then run with a broken acceptance rule (Boltzmann weights on a Bose-Einstein problem;
pair exchanges on a degenerate level without their Hastings factor), and the same test
must reject it.
"""

import numpy as np
import pytest

import maxent
from maxent import Problem
from maxent._kernels import _sample as K
from maxent._sampling.mcmc import Chains
from maxent._util.streams import stream_states

from .test_statistics import chi2_against_enumeration

ALPHA = 1e-3
CHAINS = 5000


def last_states_circuit(problem, stat, steps, seed):
    """Final counts of independent circuit chains under the weights of ``stat``."""
    coef = problem.integer_rows()[0]
    caps = problem.caps.astype(np.int64)
    k = problem.classes
    mode = maxent.most_probable_allocation(problem).counts
    counts = np.tile(np.asarray(mode, dtype=np.int64), (CHAINS, 1))
    records = np.zeros((CHAINS, 1, k), dtype=np.int64)
    states = stream_states(np.random.SeedSequence(seed), CHAINS)
    g = problem.degeneracies
    accepted = np.zeros(CHAINS, dtype=np.int64)
    K.run_circuit_chains(
        counts, coef, caps, stat, g, np.log(g), steps, steps, records, states, accepted
    )
    assert accepted.sum() > 0
    return records[:, 0]


@pytest.mark.slow
def test_circuit_kernel_reaches_the_bose_law_and_a_wrong_rule_does_not():
    e, g = [0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 2.0, 4.0]
    p = Problem(e, 6, total_energy=8.0, statistics="bose", degeneracies=g)
    en = maxent.enumerate_allocations(p)
    assert en.size >= 8
    good = last_states_circuit(p, p.stat, 200, seed=1)
    coef, rhs = p.integer_rows()
    assert (good @ coef.T == rhs).all()
    assert chi2_against_enumeration(good, en) > ALPHA
    boltzmann_rule = 0  # the kernel's code for Boltzmann counting
    assert p.stat != boltzmann_rule
    wrong = last_states_circuit(p, boltzmann_rule, 200, seed=1)
    assert (wrong @ coef.T == rhs).all()  # the broken chain keeps the constraints ...
    assert chi2_against_enumeration(wrong, en) < 1e-10  # ... but not the law


def last_states_pairs(problem, steps, seed, hastings):
    mode = np.asarray(maxent.most_probable_allocation(problem).counts, dtype=np.int64)
    ch = Chains(problem, mode, CHAINS, np.random.SeedSequence(seed))
    assert ch.kind == 0 and ch.degenerate and ch.refresh_every == 0
    ch.degenerate = hastings
    rec = np.zeros((CHAINS, 1, problem.classes), dtype=np.int64)
    ch.run(steps, steps, rec, np.zeros((CHAINS, 1)))
    return rec[:, 0]


@pytest.mark.parametrize("hastings", [True, False])
def test_pair_exchange_needs_its_hastings_factor_on_degenerate_levels(hastings):
    # classes 0 and 1 share level 0: a pair exchange picks among them, and the reverse
    # move's choice is among a different number of classes
    p = Problem([0.0, 0.0, 1.0, 2.0], 8, total_energy=6.0)
    en = maxent.enumerate_allocations(p)
    draws = last_states_pairs(p, 20 * p.n, seed=2, hastings=hastings)
    assert (draws.sum(axis=1) == p.n).all() and (draws @ p.levels == p.level_total).all()
    pvalue = chi2_against_enumeration(draws, en)
    if hastings:
        assert pvalue > ALPHA
    else:
        assert pvalue < 1e-10
