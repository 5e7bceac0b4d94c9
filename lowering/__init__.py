"""Lowering: typed flow graph -> llvmlite.ir. Imports llvmlite.ir only, never llvmlite.binding."""
