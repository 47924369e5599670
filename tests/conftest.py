import os

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Deterministic property tests: the same examples on every run and machine.
settings.register_profile(
    "maxent",
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "maxent"))
matplotlib.use("Agg")  # every figure renders off-screen in the tests


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)
