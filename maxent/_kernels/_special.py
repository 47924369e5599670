"""Digamma, trigamma and the inverse digamma, scalar, for use inside kernels.

Asymptotic series after shifting the argument above 10 with the recurrences
psi(x) = psi(x + 1) - 1/x and psi'(x) = psi'(x + 1) + 1/x^2; the first omitted term is
below 1e-17 relative there.
"""

import math

from ._config import jit

EULER = 0.57721566490153286061  # -psi(1)


@jit(cost=lambda x: 10)
def _psi_series(x):
    """(digamma, trigamma) by the asymptotic series, valid to 1e-17 for x >= 10."""
    f = 1.0 / (x * x)
    d = f * (
        -1.0 / 12
        + f
        * (
            1.0 / 120
            + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 - f / 12))))
        )
    )
    t = (
        1.0
        + f
        * (
            1.0 / 6
            + f
            * (-1.0 / 30 + f * (1.0 / 42 + f * (-1.0 / 30 + f * (5.0 / 66 + f * (-691.0 / 2730)))))
        )
    ) / x
    return math.log(x) - 0.5 / x + d, t + 0.5 * f


@jit(cost=lambda x: 20)  # from Python: run as Python
def digamma_trigamma(x):
    """Both psi(x) and psi'(x) for x > 0, sharing one recurrence."""
    rd = 0.0
    rt = 0.0
    while x < 10.0:
        inv = 1.0 / x
        rd -= inv
        rt += inv * inv
        x += 1.0
    d, t = _psi_series(x)
    return rd + d, rt + t


@jit
def digamma(x):
    return digamma_trigamma(x)[0]


@jit
def trigamma(x):
    return digamma_trigamma(x)[1]


@jit
def inv_digamma(y, x0):
    """Solve psi(x) = y for x >= 1 (so y >= psi(1)); x0 > 0 is a starting guess or <= 0.

    Newton on a concave increasing function: from the left of the root it increases
    monotonically; from the right it jumps left, so one clamp at 1 keeps it in range.
    Newton's error squares each step, so once a correction is below 1e-9 x the next one
    would be below 1e-17 x and is skipped.
    """
    if x0 <= 0.0:
        x = math.exp(y) + 0.5 if y >= -2.22 else -1.0 / (y + EULER) + 1.0
    else:
        x = x0
    if x < 1.0:
        x = 1.0
    if not x < math.inf:
        return x
    for _ in range(100):
        d, t = digamma_trigamma(x)
        dx = (d - y) / t
        x_new = x - dx
        if x_new < 1.0:
            x_new = 1.0
        if abs(x_new - x) <= 1e-9 * x_new:
            return x_new
        x = x_new
    return x
