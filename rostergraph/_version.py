"""The package version (one place; the package root and the writers read it)."""

__version__ = "0.12.0"
