"""The version of jitcore (the single place it is written; pyproject.toml reads it)."""
__version__ = "0.1.0"
