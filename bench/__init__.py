"""pbgraph benchmarks: ``python -m bench`` (or ``make bench``). Not tests."""
