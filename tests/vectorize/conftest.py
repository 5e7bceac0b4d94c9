"""Fixtures shared by the vectorize tests."""
