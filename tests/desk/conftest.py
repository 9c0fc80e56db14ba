"""The desk fixture (tests.support.desk) for every test of the web desk."""

from tests.support.desk import desk

__all__ = ["desk"]
