"""Progress of a long seeding run: one line per step or table, a bar on a terminal."""

import time


class ProgressReport:
    """One line per table with its count and rate; on a terminal, a bar redrawn in place."""

    BAR = 24
    EVERY_ROWS = 5_000
    LINE_EVERY_SECONDS = 10

    def __init__(self, stdout):
        self.stdout = stdout
        self.is_tty = stdout.isatty()

    def step(self, label: str, work):
        started = time.monotonic()
        result = work()
        self.stdout.write(f"  {label:<22} {duration(started)}")
        return result

    def line(self, label: str, seconds: float) -> None:
        """A step that ran elsewhere, as `step` reports it."""
        self.stdout.write(f"  {label:<22} {seconds:.1f} s")

    def rows(self, label: str, rows, total: int):
        """Yield `rows` unchanged while reporting on them."""
        started = last_line = time.monotonic()
        done = 0
        for done, row in enumerate(rows, 1):
            yield row
            if done % self.EVERY_ROWS == 0:
                now = time.monotonic()
                if self.is_tty:
                    self._bar(label, done, total, now - started)
                elif now - last_line >= self.LINE_EVERY_SECONDS:
                    self._line(label, done, total, now - started, ending="...")
                    last_line = now
        elapsed = time.monotonic() - started
        if self.is_tty:
            self.stdout.write("\r" + " " * 100 + "\r", ending="")
        self._line(label, done, total, elapsed)

    def _bar(self, label, done, total, elapsed):
        filled = self.BAR * done // max(total, 1)
        bar = "#" * filled + "." * (self.BAR - filled)
        rate = done / elapsed if elapsed else 0
        self.stdout.write(f"\r  {label:<22} [{bar}] {done:>10,}/{total:,} {rate:>10,.0f} rows/s", ending="")
        self.stdout.flush()

    def _line(self, label, done, total, elapsed, ending=""):
        rate = done / elapsed if elapsed else 0
        self.stdout.write(f"  {label:<22} {done:>10,} rows  {elapsed:6.1f} s  {rate:>10,.0f} rows/s{ending}")


def duration(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"
