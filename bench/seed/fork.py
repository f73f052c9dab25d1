"""Planning on a second CPU: the planning steps run in a forked copy of the process while this
one goes on loading what does not depend on them."""

import multiprocessing
import time
import traceback

from django.core.management.base import CommandError

from bench.seed.report import ProgressReport


class ForkedPlanning:
    """Runs `steps` (methods of `plan` that compute in Python alone, touching no database) in a
    forked child; `join` waits for it and sets on `plan` every attribute the steps set there,
    and those named in `changed_in_place` (a random generator they drew from), so that `plan`
    ends as if they had run here. Where processes cannot be forked, `join` runs them
    here. Leaving the `with` block early (an error while loading) ends the child."""

    def __init__(self, plan, steps: list[tuple[str, object]], changed_in_place: tuple[str, ...] = ()):
        self.plan = plan
        self.steps = steps
        self.changed_in_place = changed_in_place
        self.process = None

    def __enter__(self):
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self.receiver, sender = context.Pipe(duplex=False)
            self.process = context.Process(target=self._run, args=(sender,), daemon=True)
            self.process.start()
            sender.close()
        return self

    def __exit__(self, *exception):
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.receiver.close()
            self.process = None

    def _run(self, sender) -> None:
        """In the child: plan, then send back what planning set and how long each step took."""
        try:
            before = set(vars(self.plan))
            timings = []
            for label, work in self.steps:
                started = time.monotonic()
                work()
                timings.append((label, time.monotonic() - started))
            planned = {
                name: value
                for name, value in vars(self.plan).items()
                if name not in before or name in self.changed_in_place
            }
            sender.send(("planned", planned, timings))
        except BaseException:
            sender.send(("failed", traceback.format_exc(), []))
        sender.close()

    def join(self, report: ProgressReport) -> None:
        """Wait for the plan (a step of its own: how long loading waited for it), then report
        each planning step's time."""
        if self.process is None:
            for label, work in self.steps:
                report.step(label, work)
            return
        try:
            outcome, planned, timings = report.step("waiting for the plan", self.receiver.recv)
        except EOFError:
            self.process.join()
            raise CommandError(
                f"Planning ended without a plan (exit code {self.process.exitcode})."
            ) from None
        if outcome != "planned":
            raise CommandError(f"Planning failed:\n{planned}")
        vars(self.plan).update(planned)
        for label, seconds in timings:
            report.line(f"{label} (forked)", seconds)
