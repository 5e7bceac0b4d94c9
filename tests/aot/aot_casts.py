"""np.<int type>(float) compiled ahead of time by tests/aot/test_aot_casts.py."""
import numpy as np

import jitcore


@jitcore.export("int8(float64)")
def to_int8(x):
    return np.int8(x)


@jitcore.export("uint8(float64)")
def to_uint8(x):
    return np.uint8(x)


@jitcore.export("int16(float64)")
def to_int16(x):
    return np.int16(x)


@jitcore.export("uint16(float64)")
def to_uint16(x):
    return np.uint16(x)


@jitcore.export("int32(float64)")
def to_int32(x):
    return np.int32(x)


@jitcore.export("uint32(float64)")
def to_uint32(x):
    return np.uint32(x)


@jitcore.export("int64(float64)")
def to_int64(x):
    return np.int64(x)


@jitcore.export("uint64(float64)")
def to_uint64(x):
    return np.uint64(x)


@jitcore.export("int8(float32)")
def f32_to_int8(x):
    return np.int8(x)


@jitcore.export("uint32(float32)")
def f32_to_uint32(x):
    return np.uint32(x)
