"""np.random in compiled code: distributions over large samples, seeding, sizes, threads.

The stream is our own (xoshiro256** per thread), so values are checked statistically:
means and variances within several standard errors of the exact ones.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

from jitcore import njit


N = 200_000


def _near(value: float, exact: float, sd: float) -> None:
    """Within 6 standard errors of a mean of N draws with standard deviation sd."""
    assert abs(value - exact) < 6 * sd / np.sqrt(N), (value, exact)


def test_uniform_family(no_leaks):
    @njit
    def draw(n):
        return np.random.random(n), np.random.rand(n), np.random.uniform(-2.0, 6.0, n)

    a, b, c = draw(N)
    for x in (a, b):
        assert x.dtype == np.float64 and x.shape == (N,)
        assert x.min() >= 0.0 and x.max() < 1.0
        _near(x.mean(), 0.5, np.sqrt(1 / 12))
        _near(((x - 0.5) ** 2).mean(), 1 / 12, 1 / np.sqrt(180))
    assert c.min() >= -2.0 and c.max() < 6.0
    _near(c.mean(), 2.0, 8 / np.sqrt(12))


def test_normal_family(no_leaks):
    @njit
    def draw(n):
        return np.random.randn(n), np.random.normal(3.0, 2.0, n), np.random.normal(size=(n,))

    a, b, c = draw(N)
    for x, mu, sd in ((a, 0.0, 1.0), (b, 3.0, 2.0), (c, 0.0, 1.0)):
        _near(x.mean(), mu, sd)
        _near(x.var(), sd * sd, sd * sd * np.sqrt(2))
        # tails as a normal's: about 4.55% beyond two standard deviations
        share = np.mean(np.abs(x - mu) > 2 * sd)
        assert abs(share - 0.0455) < 0.003


def test_randint_ranges_and_uniformity(no_leaks):
    @njit
    def draw(lo, hi, n):
        return np.random.randint(lo, hi, n)

    x = draw(-3, 7, N)
    assert x.dtype == np.int64 and x.min() == -3 and x.max() == 6
    counts = np.bincount(x + 3)
    expected = N / 10
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 40  # 9 degrees of freedom: p < 1e-5 beyond 40
    big = draw(-2**63, 2**63 - 1, 1000)
    assert big.min() < -2**61 and big.max() > 2**61
    assert njit(lambda: np.random.randint(1))() == 0
    one = njit(lambda n: np.random.randint(5, size=n))(1000)
    assert one.min() == 0 and one.max() == 4


def test_errors():
    with pytest.raises(ValueError, match="low >= high"):
        njit(lambda: np.random.randint(5, 5))()
    with pytest.raises(ValueError, match="high <= 0"):
        njit(lambda: np.random.randint(0))()
    with pytest.raises(ValueError, match="scale < 0"):
        njit(lambda: np.random.normal(0.0, -1.0))()
    with pytest.raises(ValueError, match="Seed must be between 0 and 2\\*\\*32 - 1"):
        njit(lambda: np.random.seed(-1))()


def test_seed_reproduces_and_sizes(no_leaks):
    @njit
    def run(s):
        np.random.seed(s)
        return (np.random.random((2, 3)), np.random.randn(4, 2), np.random.randint(0, 100, (3,)),
                np.random.uniform(1.0, 2.0, size=(2, 2, 2)), np.random.random())

    first, second, other = run(7), run(7), run(8)
    for x, y in zip(first, second):
        assert np.array_equal(x, y)
    assert not np.array_equal(first[0], other[0])
    assert [x.shape for x in first[:4]] == [(2, 3), (4, 2), (3,), (2, 2, 2)]
    assert isinstance(first[4], float)
    assert njit(lambda: np.random.rand(2, 0))().shape == (2, 0)


def test_state_per_thread():
    @njit(nogil=True)
    def seeded(s, n):
        np.random.seed(s)
        return np.random.random(n)

    @njit
    def unseeded(n):
        return np.random.random(n)

    seeded(5, 1)
    results: dict[str, np.ndarray] = {}

    def worker(name: str) -> None:
        results[name] = seeded(123, 1000)

    threads = [threading.Thread(target=worker, args=(k,)) for k in "ab"]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert np.array_equal(results["a"], results["b"])
    # the main thread's stream continues from its own seed, untouched by the threads
    np.random.seed(0)
    expected = seeded(5, 4)
    seeded(5, 1)
    other = threading.Thread(target=lambda: seeded(99, 10))
    other.start()
    other.join()
    assert np.array_equal(unseeded(3), expected[1:])
