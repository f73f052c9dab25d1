from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark tooling as a Django app, for its `seed_bench` command. Installed only with
    BENCH_ENDPOINTS=true (never in production); tests that seed install it themselves."""

    name = "bench"
    verbose_name = "Benchmarks"
