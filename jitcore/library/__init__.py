"""Library routines written in Python and compiled by jitcore like user code.

Lowering reaches them by name (`Context.call_library("arrays.sort_inplace", ...)`): the
compiler driver resolves the name to the jitted function here, so lowering never imports
the decorator.
"""
