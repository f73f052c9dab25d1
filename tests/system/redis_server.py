"""A redis-server of a test's own, to kill, hang and start again under the running site."""

import signal
import subprocess

import redis

from bench.cluster import free_port
from tests.integration.conftest import wait_for


class RedisServer:
    """A redis-server of the test's own on a free loopback port, to kill and start again."""

    def __init__(self, workdir):
        self.port = free_port()
        self.workdir = workdir
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def start(self) -> None:
        with (self.workdir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--save", "", "--appendonly", "no", "--port", str(self.port),
                 "--bind", "127.0.0.1", "--dir", str(self.workdir)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_for(self._answers, timeout=10, what="redis-server to answer")

    def _answers(self) -> bool:
        try:
            return self.client().ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def hang(self) -> None:
        """SIGSTOP: connections are still accepted, nothing is answered (a stuck Redis)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def keys(self, pattern: str) -> list[bytes]:
        return self.client().keys(pattern)
