"""bench/summarize.py: the Web section of BENCHMARKS.md is replaced, every other section kept."""

from bench.summarize import replace_section, table

DIGEST = "## Digest throughput\n\n| users | emails/s |\n|---|---|\n| 10,000 | 350 |\n"


def test_replacing_the_web_section_keeps_the_sections_around_it():
    text = f"# Benchmarks\n\nIntro.\n\n## Web\n\nold table\n\n{DIGEST}"
    updated = replace_section(text, "## Web\n\nnew table\n")
    assert "new table" in updated
    assert "old table" not in updated
    assert updated.startswith("# Benchmarks\n\nIntro.\n\n## Web\n")
    assert DIGEST.strip() in updated


def test_a_file_without_a_web_section_gets_it_appended():
    updated = replace_section(f"# Benchmarks\n\n{DIGEST}", "## Web\n\nnew table\n")
    assert updated.index(DIGEST.strip()) < updated.index("## Web")


def _wrk(rps, p99=20.0):
    wrk = {"requests": int(rps * 10), "rps": rps, "p50_ms": 5.0, "p99_ms": p99, "http_errors": 0}
    return wrk | {"connect_errors": 0, "read_errors": 0, "write_errors": 0, "timeouts": 0}


def _run(name, connections, rps, baseline_rps, bare_rps):
    return {
        "name": name,
        "visitor": "anonymous",
        "path": "/x/",
        "connections": connections,
        "status": "ok",
        "wrk": _wrk(rps),
        "baseline": _wrk(baseline_rps),
        "bare": _wrk(bare_rps),
    }


def test_each_ratio_is_taken_against_the_runs_just_before_it():
    rows = table(
        [_run("thread list", 16, 300.0, 600.0, 1000.0), _run("thread list", 64, 300.0, 400.0, 500.0)]
    )
    thread_list = next(row for row in rows if row.startswith("| thread list"))
    assert "| 300 | 0.300 | 0.500 |" in thread_list
    assert "| 300 | 0.600 | 0.750 |" in thread_list
    assert thread_list.endswith("| ≥ 0.8× bare | no |")
    bare, baseline = rows[2], rows[3]
    assert bare.startswith("| bare Django hello") and "1,000 (1,000–1,000) | 1 |" in bare
    assert baseline.startswith("| baseline `/bench/hello`")
    assert "600 (600–600) | 0.600 | 1 |" in baseline
    assert "400 (400–400) | 0.800 | 1 |" in baseline


def test_a_page_meets_its_target_against_the_bare_hello():
    rows = table([_run("home", 16, 850.0, 900.0, 1000.0), _run("home", 64, 800.0, 850.0, 1000.0)])
    assert next(row for row in rows if row.startswith("| home")).endswith("| ≥ 0.8× bare | yes |")
    assert rows[3].endswith("| ≥ 0.8× bare | yes |")
