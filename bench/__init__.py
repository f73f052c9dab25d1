"""Benchmarks: the load harness (`bench/run`), its helpers and the results (BENCHMARKS.md)."""
