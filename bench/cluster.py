"""A Stepwise cluster on one machine: nginx on loopback balancing two gunicorn instances for
pages and sending /ws/ to the live process (uvicorn, config.asgi) for live updates, two Celery workers and
beat, all sharing one PostgreSQL database and one Redis server.

    python bench/cluster.py up        # start everything, print the URL, wait for Ctrl-C
    make cluster                      # the same

The system tests drive the same class: tests/system/test_cluster.py stops one web instance
and one worker under load and checks the site recovers; tests/system/test_live_updates.py
restarts the ASGI process under two browsers' open pages.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

NGINX_CONF = """
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    # Compressed responses, as docs/deployment.md configures them.
    gzip on;
    gzip_comp_level 5;
    gzip_min_length 1024;
    gzip_proxied any;
    gzip_vary on;
    gzip_types text/css text/plain application/javascript application/json application/atom+xml
               application/xml image/svg+xml;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    upstream stepwise {{
        server 127.0.0.1:{web1} max_fails=1 fail_timeout=3s;
        server 127.0.0.1:{web2} max_fails=1 fail_timeout=3s;
        keepalive 16;
    }}
    upstream stepwise_live {{
        server 127.0.0.1:{live};
    }}
    server {{
        listen 127.0.0.1:{port};
        # Live updates: the WebSocket upgrade goes to the ASGI process, held open for hours.
        location /ws/ {{
            proxy_pass http://stepwise_live;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $http_host;  # with the port: the CSRF check compares it to Origin
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 1s;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}
        location / {{
            proxy_pass http://stepwise;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;  # with the port: the CSRF check compares it to Origin
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto http;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
            # A request that could not reach one instance is tried on the other.
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"""


def live_command(*, host: str, port: int | str) -> list[str]:
    """The live process as the Procfile and compose.yaml run it: uvicorn with wsproto, the
    leanest per socket of its WebSocket implementations (bench/BENCHMARKS.md), a ping every 20 s
    to keep idle sockets open through proxies, and no compression (messages are a few dozen
    bytes; each compressed socket would keep its own zlib state)."""
    return [
        "uvicorn", "config.asgi:application", "--host", host, "--port", str(port),
        "--ws", "wsproto", "--ws-ping-interval", "20", "--ws-per-message-deflate", "false",
        "--lifespan", "off", "--no-access-log",
    ]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    def __init__(self, *, env: dict, port: int | None = None, web_workers: int = 2):
        self.run = Path(tempfile.mkdtemp(prefix="stepwise-cluster-"))
        self.port = port or free_port()
        self.web_ports = [free_port(), free_port()]
        self.live_port = free_port()
        self.web_workers = web_workers
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _start(self, name: str, args: list[str]) -> None:
        log = open(self.run / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_web(self, index: int) -> None:
        port = self.web_ports[index]
        self._start(
            f"web{index + 1}",
            [str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--config", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", str(self.web_workers), "--graceful-timeout", "5"],
        )  # fmt: skip

    def start_live(self) -> None:
        """The live process: /ws/ only (config.asgi:application)."""
        command = live_command(host="127.0.0.1", port=self.live_port)
        self._start("live", [str(VENV_BIN / command[0]), *command[1:]])

    def start_worker(self, index: int) -> None:
        self._start(
            f"worker{index + 1}",
            [str(VENV_BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO", "--concurrency=2",
             "--hostname", f"worker{index + 1}@%h", "--without-mingle", "--without-gossip"],
        )  # fmt: skip

    def start_beat(self) -> None:
        self._start(
            "beat",
            [str(VENV_BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO",
             "--schedule", str(self.run / "celerybeat-schedule")],
        )  # fmt: skip

    def start_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        conf = self.run / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                run=self.run,
                port=self.port,
                web1=self.web_ports[0],
                web2=self.web_ports[1],
                live=self.live_port,
            )
        )
        self._start("nginx", [nginx, "-c", str(conf), "-p", str(self.run), "-g", "daemon off;"])

    def up(self, *, workers: bool = True, beat: bool = True) -> "Cluster":
        """Start everything and wait until it answers; stop what started if it cannot."""
        try:
            self.start_web(0)
            self.start_web(1)
            self.start_live()
            if workers:
                self.start_worker(0)
                self.start_worker(1)
            if workers and beat:
                self.start_beat()
            self.start_nginx()
            self.wait_until_healthy()
        except BaseException:
            self.down()
            raise
        return self

    def wait_until_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        pending = [f"http://127.0.0.1:{port}/healthz" for port in self.web_ports] + [f"{self.url}/healthz"]
        if "live" in self.processes:
            pending.append(f"http://127.0.0.1:{self.live_port}/healthz")
        while pending:
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster not healthy in {timeout}s: {pending}; logs in {self.run}")
            try:
                with urllib.request.urlopen(pending[0], timeout=2) as response:
                    if response.status == 200:
                        pending.pop(0)
                        continue
            except OSError:
                pass
            time.sleep(0.3)

    def restart_live(self) -> None:
        """Start the ASGI process again (after `kill("live")`) and wait until it answers."""
        self.start_live()
        self.wait_until_healthy()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Stop one member abruptly (its whole process group: master and workers)."""
        process = self.processes[name]
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)

    def down(self) -> None:
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    # Gone before `down` returns: its database sessions with it, so that a test
                    # database can be dropped right after.
                    process.wait(timeout=15)
        self.processes.clear()

    def log(self, name: str) -> str:
        path = self.run / f"{name}.log"
        return path.read_text() if path.exists() else ""


def production_env(**settings: str) -> dict[str, str]:
    """The environment of the site as in production, served over plain HTTP on loopback,
    with `settings` added or overriding."""
    return {
        "DEBUG": "false",
        "SECRET_KEY": "on-one-machine-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_FORMAT": "plain",
        **settings,
    }


def manage(env: dict[str, str], *command: str) -> None:
    """Run a manage.py command (collectstatic, migrate) quietly in that environment."""
    subprocess.run(
        [sys.executable, "manage.py", *command, "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--port", type=int, default=8080)
    options = parser.parse_args()
    passed_on = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "LOG_FORMAT")
    env = production_env(
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stepwise"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
        NUM_PROXIES="1",  # nginx in front: each visitor's limits count at their own address
        **{name: os.environ[name] for name in passed_on if name in os.environ},
    )
    manage(env, "collectstatic")
    manage(env, "migrate")
    cluster = Cluster(env=env, port=options.port)
    try:
        cluster.up()
        print(f"Stepwise cluster up at {cluster.url} (logs in {cluster.run}); Ctrl-C stops it.", flush=True)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.down()


if __name__ == "__main__":
    main()
