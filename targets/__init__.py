"""Targets: llvmlite.binding, target machines, optimisation, the JIT, CPython-facing wrappers."""
