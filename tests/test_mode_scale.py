"""The most probable allocation at scale: precision, speed paths, and always an answer.

Regression cases of issue 11: Bose levels with ~1e9+ items each, few items in many classes,
single-state Bose ground levels and moment constraints the mode search used to give up on.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from maxent._kernels._special import digamma_diff, lgamma_diff, trigamma_diff
from maxent._model import statistics as S


@pytest.mark.parametrize("a", [1e-3, 0.3, 1.0, 9.99, 10.0, 57.5, 1e3, 1e9, 1e13, 1e18])
@pytest.mark.parametrize("d", [1e-12, 1e-3, 0.5, 1.0, 3.0, 100.0, 1e6, 1e12])
def test_gamma_differences_keep_full_precision(a, d):
    mp.mp.dps = 40
    big_a, big_d = mp.mpf(a), mp.mpf(d)
    ref = float(mp.digamma(big_a + big_d) - mp.digamma(big_a))
    assert digamma_diff(a, d) == pytest.approx(ref, rel=4e-15)
    ref = float(mp.psi(1, big_a + big_d) - mp.psi(1, big_a))
    assert trigamma_diff(a, d) == pytest.approx(ref, rel=4e-14)
    ref = float(mp.loggamma(big_a + big_d) - mp.loggamma(big_a))
    # the sum itself may cancel for a < 10 (lgamma(3.3) - lgamma(0.3)): absolute there
    assert lgamma_diff(a, d) == pytest.approx(ref, rel=1e-14, abs=5e-14)


def test_bose_h_prime_at_a_billion_items_per_state():
    n = np.array([1e9, 1e12, 1e15])
    # g = 2: h'(n) = psi(n + 2) - psi(n + 1) = 1 / (n + 1) exactly
    np.testing.assert_allclose(S.h_prime(S.BOSE, n, 2.0, "exact"), 1.0 / (n + 1.0), rtol=1e-15)
    np.testing.assert_allclose(
        S.h_second(S.BOSE, n, 2.0, "exact"), -1.0 / (n + 1.0) ** 2, rtol=1e-14
    )
