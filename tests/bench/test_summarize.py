"""bench/summarize.py: the Web section of BENCHMARKS.md is replaced, every other section kept."""

from bench.summarize import replace_section

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
