"""Benchmarks: the load harness (`bench/run`), its helpers, the data set (`seed/`, loaded by
`manage.py seed_bench` when BENCH_ENDPOINTS installs this app) and the results (BENCHMARKS.md)."""
