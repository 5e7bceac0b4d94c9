"""Fixtures shared by the vectorize tests."""
from tests.e2e.test_array_memory import no_leaks  # noqa: F401 (the leak-check fixture)
