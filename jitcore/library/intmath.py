"""Library routines written in Python and compiled by jitcore itself, once per process.

    pow(base, exp, mod)  ->  lowering calls the native code of `pow_mod` (int64, int64, int64)

They run compiled only: int64 arithmetic wraps, so they avoid overflow by
construction (every intermediate stays below the modulus).
"""
from __future__ import annotations

from jitcore.decorators import njit

INT64_MIN = -9223372036854775808


@njit(cache=True)
def _addmod(a: int, b: int, m: int) -> int:
    """(a + b) % m for 0 <= a, b < m <= 2**63 - 1, without overflow."""
    return a - (m - b) if a >= m - b else a + b


@njit(cache=True)
def _mulmod(a: int, b: int, m: int) -> int:
    """(a * b) % m for 0 <= a, b < m <= 2**63 - 1, by doubling and adding."""
    r = 0
    while b > 0:
        if b & 1:
            r = _addmod(r, a, m)
        a = _addmod(a, a, m)
        b >>= 1
    return r


@njit(cache=True)
def _powmod(b: int, e: int, m: int) -> int:
    """b ** e % m for 0 <= b < m <= 2**63 - 1 and e >= 0."""
    r = 1 % m
    while e > 0:
        if e & 1:
            r = _mulmod(r, b, m)
        b = _mulmod(b, b, m)
        e >>= 1
    return r


@njit(cache=True)
def _inverse(a: int, m: int) -> int:
    """x with a * x % m == 1 (extended Euclid), or ValueError as Python raises."""
    old_r, r = a, m
    old_s, s = 1, 0
    while r != 0:
        q = old_r // r
        old_r, r = r, old_r - q * r
        old_s, s = s, old_s - q * s
    if old_r != 1:
        raise ValueError("base is not invertible for the given modulus")
    return old_s % m


@njit(cache=True)
def _pow2_63(base: int, exp: int) -> int:
    """base ** exp % 2**63 (the modulus int64 min): wrapping arithmetic is exact mod 2**64."""
    mask = 9223372036854775807
    b = base & mask
    if exp < 0:
        if b & 1 == 0:
            raise ValueError("base is not invertible for the given modulus")
        inv = b  # Newton's iteration doubles the correct low bits: 3 -> 6 -> ... -> 96
        for _ in range(5):
            inv = inv * (2 - b * inv)
        b = inv & mask
        exp = -(exp + 1)
        r = b
    else:
        r = 1
    while exp > 0:
        if exp & 1:
            r = r * b
        b = b * b
        exp >>= 1
    return r & mask


@njit(cache=True)
def pow_mod(base: int, exp: int, mod: int) -> int:
    """Python's pow(base, exp, mod) for int64 operands; the result has mod's sign."""
    if mod == 0:
        raise ValueError("pow() 3rd argument cannot be 0")
    if mod == INT64_MIN:
        r: int = _pow2_63(base, exp)  # a dispatcher's call, untyped to mypy
        return r + mod if r != 0 else 0
    m = -mod if mod < 0 else mod
    b = base % m
    if exp < 0:
        b = _inverse(b, m)
        # -exp overflows for int64 min: take one factor out first.
        r = _mulmod(_powmod(b, -(exp + 1), m), b, m)
    else:
        r = _powmod(b, exp, m)
    return r - m if mod < 0 and r != 0 else r


# --- math module integer functions: int64 results, CPython's errors -------------------------

_RANGE = "the result does not fit in int64 (Python would return a big int)"


@njit(cache=True)
def gcd(a: int, b: int) -> int:
    """math.gcd of two int64 values (non-negative; gcd(INT64_MIN, 0) overflows)."""
    if (a == INT64_MIN and b in (0, INT64_MIN)) or (b == INT64_MIN and a == 0):
        raise OverflowError(_RANGE)  # the result is 2**63
    while b != 0:
        a, b = b, a % b
    return -a if a < 0 else a


@njit(cache=True)
def lcm(a: int, b: int) -> int:
    """math.lcm of two int64 values; OverflowError where the result leaves int64."""
    if a == 0 or b == 0:
        return 0
    if a == INT64_MIN or b == INT64_MIN:  # the result is at least 2**63
        raise OverflowError(_RANGE)
    g: int = gcd(a, b)
    q = (a // g) if a > 0 else -(a // g)
    m = b if b > 0 else -b
    if m < 0 or q > 9223372036854775807 // m:
        raise OverflowError(_RANGE)
    return q * m


@njit(cache=True)
def factorial(n: int) -> int:
    if n < 0:
        raise ValueError("factorial() not defined for negative values")
    if n > 20:
        raise OverflowError(_RANGE)
    r = 1
    for i in range(2, n + 1):
        r *= i
    return r


@njit(cache=True)
def isqrt(n: int) -> int:
    """The integer square root, by Newton's iteration from above."""
    if n < 0:
        raise ValueError("isqrt() argument must be nonnegative")
    if n < 2:
        return n
    x = n
    y = x // 2 + (x & 1)  # (x + 1) // 2 without overflow at 2**63 - 1
    while y < x:
        x = y
        y = (x + n // x) // 2
    return x


@njit(cache=True)
def _check_n_k(n: int, k: int) -> bool:
    """CPython's errors of comb and perm for negative n or k; True when k > n (result 0)."""
    if n < 0:
        raise ValueError("n must be a non-negative integer")
    if k < 0:
        raise ValueError("k must be a non-negative integer")
    return k > n


@njit(cache=True)
def perm(n: int, k: int) -> int:
    """n! / (n - k)!: the product of k factors, checked for overflow at each step."""
    if _check_n_k(n, k):
        return 0
    r = 1
    for i in range(n - k + 1, n + 1):
        if r > 9223372036854775807 // i:
            raise OverflowError(_RANGE)
        r *= i
    return r


@njit(cache=True)
def perm_all(n: int) -> int:
    """math.perm(n): n! (CPython's error for a negative n is factorial's)."""
    r: int = factorial(n)
    return r


@njit(cache=True)
def comb(n: int, k: int) -> int:
    """n choose k by the multiplicative formula r = r * (n - k + i) / i, exact at each step
    (r * (n - k + i) is divided by gcd first to delay overflow)."""
    if _check_n_k(n, k):
        return 0
    if k > n - k:
        k = n - k
    r = 1
    for i in range(1, k + 1):
        f = n - k + i
        g: int = gcd(r, i)
        r //= g
        f //= i // g  # i // g divides f: r * f is a multiple of i
        if r > 9223372036854775807 // f:
            raise OverflowError(_RANGE)
        r *= f
    return r
