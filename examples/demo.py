"""A short demonstration of jitcore's main job: compile a numeric hot loop, call it fast."""
import math
import time

from jitcore import njit


def collatz_longest(limit):
    best_start, best_length = 1, 1
    for start in range(1, limit):
        n, length = start, 1
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            length += 1
        if length > best_length:
            best_start, best_length = start, length
    return best_start, best_length


def monte_carlo_pi(samples, seed):
    state, hits = seed, 0
    for _ in range(samples):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        x = state / 2147483648.0
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        y = state / 2147483648.0
        if x * x + y * y < 1.0:
            hits += 1
    return 4.0 * hits / samples


def timed(label, fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    print(f"  {label:<28} {result!s:<22} {1e3 * (time.perf_counter() - start):8.1f} ms")
    return result


def main():
    print("jitcore demo: the same functions in CPython and compiled with @njit\n")
    for name, fn, args in [("collatz_longest(300_000)", collatz_longest, (300_000,)),
                           ("monte_carlo_pi(2_000_000)", monte_carlo_pi, (2_000_000, 7))]:
        print(name)
        expected = timed("CPython", fn, *args)
        compiled = njit(fn)
        got = timed("jitcore, first call", compiled, *args)
        timed("jitcore, second call", compiled, *args)
        assert got == expected, (got, expected)
        print(f"  signatures: {compiled.signatures}\n")

    @njit
    def hypot_sum(n):
        total = 0.0
        for i in range(n):
            total += math.sqrt(i * i + 1.0)
        return total

    print("call overhead: a jitted f(int) is called like a builtin")
    timed("hypot_sum(1000)", hypot_sum, 1000)


if __name__ == "__main__":
    main()
