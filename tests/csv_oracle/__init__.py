"""The row-by-row CSV readers as they were before the column-wise rewrite: the oracle of
tests/test_csv_equivalence.py (reachable only from the tests)."""
