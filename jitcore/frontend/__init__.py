"""The front end: bytecode to flow graph, and what every later stage shares.

The bytecode decoder (`bytecode`), the flow-graph IR (`ir`, built by `flow`, printed
by `irprint`, checked by `ircheck`), errors and source locations (`errors`), the
operation table (`operations`), option normalisers (`fastmath`), the settings read
from the environment (`config`) and markers such as `prange` (`markers`). It imports
nothing else from jitcore: every other room builds on it.
"""
