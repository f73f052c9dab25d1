"""Live updates under load: the idle sockets one ASGI process holds and its memory, and the time
from a reply's commit until every one of 1,000 open pages of its thread has the message.

Starts one live process as in production (uvicorn with wsproto, config.asgi:application,
DEBUG=false, the Redis channel layer; `--ws` tries another of uvicorn's WebSocket
implementations), then from this process:

- idle: opens `--idle` sockets, each following a thread as a thread page does (subscribed, its
  first answer received, pings answered), and reads the live process's memory (RSS) before and
  after;
- fan-out: opens `--viewers` sockets on one thread and posts `--replies` replies to it, one at a
  time, through community.services.create_comment as a request does (here, so the publish goes
  through the same Redis pub/sub as a web process's); for each it times, from the moment the
  reply's transaction committed, the arrival of the thread's new version on every socket.

Not a test: run it by hand and record the figures in bench/BENCHMARKS.md.

    createdb -h 127.0.0.1 -U postgres stepwise_ws_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stepwise_ws_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/ws_bench.py [--idle 5000] [--viewers 1000] [--replies 20]

The sockets are anonymous readers' (a signed-in one costs one session read more when it opens).
Each handshake offers compression as browsers do, so a server that accepted it would be
measured paying for it.
"""

import argparse
import asyncio
import base64
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
import zlib
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.cluster import ROOT, VENV_BIN, free_port, live_command, manage, production_env  # noqa: E402
from community import services  # noqa: E402
from community.models import Thread  # noqa: E402

RUN = int(time.time())
OPENING_AT_ONCE = 200  # sockets being opened at the same time
# What Chromium and Firefox ask for in every handshake: the server decides whether it costs memory.
BROWSERS_OFFER = "permessage-deflate; client_max_window_bits"
DELIVERY_TIMEOUT = 30  # seconds a reply may take to reach every socket before the run fails


class Socket:
    """A minimal WebSocket client: text frames out (masked), text and ping frames in."""

    def __init__(self, reader, writer, compressed: bool):
        self.reader, self.writer = reader, writer
        self.inflater = zlib.decompressobj(-zlib.MAX_WBITS) if compressed else None
        self.messages: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, port: int) -> "Socket":
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**16)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Sec-WebSocket-Extensions: {BROWSERS_OFFER}\r\nOrigin: http://127.0.0.1:{port}\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"handshake refused: {head[:80]!r}")
        return cls(reader, writer, compressed=b"permessage-deflate" in head.lower())

    def send(self, payload: dict) -> None:
        self._frame(0x1, json.dumps(payload).encode())

    def _frame(self, opcode: int, data: bytes) -> None:
        mask = os.urandom(4)
        length = len(data)
        header = bytes([0x80 | opcode])
        if length < 126:
            header += bytes([0x80 | length])
        else:
            header += bytes([0x80 | 126]) + length.to_bytes(2, "big")
        self.writer.write(header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(data)))

    async def _read(self) -> None:
        try:
            while True:
                first, second = await self.reader.readexactly(2)
                length = second & 0x7F
                if length == 126:
                    length = int.from_bytes(await self.reader.readexactly(2), "big")
                elif length == 127:
                    length = int.from_bytes(await self.reader.readexactly(8), "big")
                data = await self.reader.readexactly(length)
                opcode = first & 0x0F
                if opcode == 0x9:  # ping: answer, as a browser does
                    self._frame(0xA, data)
                elif opcode == 0x1:
                    if first & 0x40:  # compressed (permessage-deflate)
                        data = self.inflater.decompress(data + b"\x00\x00\xff\xff")
                    self.messages.put_nowait((time.monotonic(), json.loads(data)))
                elif opcode == 0x8:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    def close(self) -> None:
        self.task.cancel()
        self.writer.close()


async def follow(port: int, thread_id: int) -> Socket:
    """A socket following the thread, once the live process has answered its subscription."""
    socket = await Socket.open(port)
    socket.send({"subscribe": f"thread:{thread_id}", "version": "a version the page no longer has"})
    _, answer = await asyncio.wait_for(socket.messages.get(), timeout=60)
    if answer.get("type") != "thread":
        raise RuntimeError(f"subscription answered {answer}")
    return socket


async def open_many(port: int, thread_id: int, count: int) -> tuple[list[Socket], float]:
    started = time.monotonic()
    sockets: list[Socket] = []
    for start in range(0, count, OPENING_AT_ONCE):
        batch = min(OPENING_AT_ONCE, count - start)
        sockets += await asyncio.gather(*(follow(port, thread_id) for _ in range(batch)))
    return sockets, time.monotonic() - started


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post_reply(thread: Thread, number: int) -> float:
    """Post a reply as a request does; the moment its transaction committed."""
    author = member(f"{RUN}-{number}")
    committed = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.monotonic()))  # runs before the publish
        services.create_comment(thread=thread, author=author, body=f"Reply number {number} of the benchmark.")
    return committed[0]


async def fan_out(sockets: list[Socket], thread: Thread, replies: int) -> list[float]:
    """Seconds from each reply's commit to its arrival, for every socket and reply."""
    delays = []
    for number in range(replies):
        for socket in sockets:
            while not socket.messages.empty():
                socket.messages.get_nowait()
        committed = await asyncio.to_thread(post_reply, thread, number)
        arrivals = await asyncio.wait_for(
            asyncio.gather(*(socket.messages.get() for socket in sockets)), timeout=DELIVERY_TIMEOUT
        )
        delays += [arrived - committed for arrived, _ in arrivals]
        await asyncio.sleep(0.5)
    return delays


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_live(port: int, ws: str) -> subprocess.Popen:
    env = {
        **os.environ,
        **production_env(DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"]),
        "LOG_LEVEL": "WARNING",
    }
    command = live_command(host="127.0.0.1", port=port)
    command[command.index("--ws") + 1] = ws
    process = subprocess.Popen(
        [str(VENV_BIN / command[0]), *command[1:], "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the live process did not start")


def member(name: str) -> User:
    """A member who may post (a verified email, a week old): each reply has an author of its
    own, so that no posting limit is met however often the benchmark runs."""
    user, _ = User.objects.get_or_create(
        username=f"ws-bench-{name}",
        defaults={
            "email": f"ws-bench-{name}@example.com",
            "password": "!",
            "date_joined": timezone.now() - timedelta(days=7),
        },
    )
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def the_thread() -> Thread:
    author = member("author")
    return Thread.objects.filter(author=author).first() or services.create_thread(
        author=author, title="The live updates benchmark's thread", body="Replies arrive here while we watch."
    )


async def measure(options, port: int, pid: int, thread: Thread) -> dict:
    figures = {"rss_start": rss_mb(pid)}
    idle, seconds = await open_many(port, thread.pk, options.idle)
    await asyncio.sleep(5)  # let the process settle (its pings go out, garbage is collected)
    figures.update(rss_idle=rss_mb(pid), idle_open_seconds=seconds)
    for socket in idle:
        socket.close()
    await asyncio.sleep(3)
    viewers, _ = await open_many(port, thread.pk, options.viewers)
    cpu_before = cpu_seconds(pid)
    delays = await fan_out(viewers, thread, options.replies)
    figures.update(delays=delays, fan_out_cpu=cpu_seconds(pid) - cpu_before, rss_viewers=rss_mb(pid))
    for socket in viewers:
        socket.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--replies", type=int, default=20)
    parser.add_argument(
        "--ws", default="wsproto", choices=["wsproto", "websockets-sansio", "websockets"],
        help="uvicorn's WebSocket implementation (production's: wsproto)",
    )  # fmt: skip
    options = parser.parse_args()
    if not settings.REDIS_URL or "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the live process shares them.")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process and the live one
    manage({}, "migrate")
    thread = the_thread()
    port = free_port()
    live = start_live(port, options.ws)
    try:
        figures = asyncio.run(measure(options, port, live.pid, thread))
    finally:
        live.terminate()
        live.wait(timeout=15)
    delays = [delay * 1000 for delay in figures["delays"]]
    cores = os.cpu_count()
    print(
        f"machine: {cores} CPUs, {platform.platform()}; load average {os.getloadavg()[0]:.2f} after the run"
    )
    print(
        f"idle: {options.idle} sockets open in {figures['idle_open_seconds']:.1f} s; live process RSS "
        f"{figures['rss_start']:.0f} MB empty, {figures['rss_idle']:.0f} MB holding them "
        f"({(figures['rss_idle'] - figures['rss_start']) * 1024 / options.idle:.1f} kB a socket)"
    )
    print(
        f"fan-out: {options.viewers} viewers x {options.replies} replies = {len(delays)} deliveries; commit to "
        f"arrival p50 {statistics.median(delays):.0f} ms, p90 {percentile(delays, 0.9):.0f} ms, "
        f"p99 {percentile(delays, 0.99):.0f} ms, max {max(delays):.0f} ms; live process CPU "
        f"{figures['fan_out_cpu'] / options.replies * 1000:.0f} ms a reply; RSS {figures['rss_viewers']:.0f} MB"
    )


if __name__ == "__main__":
    main()
