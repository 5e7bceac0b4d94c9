"""print() in compiled code writes exactly what CPython's print writes, to sys.stdout."""
from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from jitcore import njit
from jitcore.frontend.errors import TypingError


def show(a, b, c, d, e):
    print("values:", a, b, c, d, e, None)
    print(a, b, sep=" | ", end=" <end>\n")
    print()
    print("no", "newline", end="")
    return 1


@pytest.mark.parametrize("args", [
    (0.1, -3, True, 1 + 2j, np.float32(1.5)),
    (np.int8(-128), np.uint64(2**64 - 1), False, np.complex64(0.1 - 1j), np.float32(1e-8)),
    (1e300, -(2**63), np.uint8(255), -0.0 + 0j, np.int16(7)),
    (float("nan"), float("-inf"), np.bool_(True), complex(float("inf"), 0), np.uint32(4)),
])
def test_same_text_as_cpython(capsys, args):
    show(*args)
    expected = capsys.readouterr().out
    njit(show)(*args)
    assert capsys.readouterr().out == expected


def in_a_loop(a):
    for i in range(len(a)):
        if a[i] > 1.0:
            print("big", i, a[i])
    return len(a)


def test_in_a_loop_and_without_the_gil(capsys):
    a = np.array([0.5, 2.0, 3.5, 1.0])
    in_a_loop(a)
    expected = capsys.readouterr().out
    njit(in_a_loop)(a)
    assert capsys.readouterr().out == expected
    threaded = njit(nogil=True)(in_a_loop)
    threaded(a)  # compiled before the threads start
    capsys.readouterr()
    threads = [threading.Thread(target=threaded, args=(a,)) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    lines = capsys.readouterr().out.splitlines()
    assert sorted(lines) == sorted(expected.splitlines() * 4)


class _Broken:
    def write(self, text):
        raise OSError("stdout is gone")

    def flush(self):
        pass


def test_an_error_of_print_propagates(monkeypatch):
    f = njit(in_a_loop)
    f(np.zeros(1))
    monkeypatch.setattr(sys, "stdout", _Broken())
    with pytest.raises(OSError, match="stdout is gone"):
        f(np.array([5.0]))


def prints_an_array(a):
    print(a)


def prints_to_a_file(x):
    print(x, file=None)


def prints_a_tuple(x):
    print((x, x))


def test_refused_with_a_typing_error():
    with pytest.raises(TypingError) as info:
        njit(prints_a_tuple)(1.0)
    assert str(info.value).startswith("print() of a tuple is not supported in compiled code")
    assert "print its items one by one, or return it and print in Python" in str(info.value)
    with pytest.raises(TypingError, match="print\\(\\) of an array is not supported"):
        njit(prints_an_array)(np.ones(2))
    with pytest.raises(TypingError, match="print"):
        njit(prints_to_a_file)(1.0)
