"""The public type objects, as `numba.types`: `jitcore.types.float64`, `UniTuple`, ...

    from jitcore import njit, types
    @njit(types.float64(types.int64, types.float64))
    def f(n, x): ...
"""
from jitcore.typeinfer.types import *  # noqa: F403
from jitcore.typeinfer.types import (BY_NAME, Boolean, Complex, Float, Integer, NoneType,  # noqa: F401
                             Signature, Tuple, Type, UniTuple)
