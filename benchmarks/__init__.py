"""Benchmarks of BYOK Desktop: ``python -m benchmarks`` (``make bench``).

Every module ``benchmarks/bench_*.py`` exposes ``run(options) -> list[Figure]``; the
runner in ``__main__`` discovers them, runs them and prints one table. Speed is measured
here, never asserted in the unit tests.
"""
