"""The product started the way `make run` starts it: `manage.py migrate`, `seed_demo`, then the
real `manage.py serve` process (daphne + the embedded worker) on a throw-away data directory.

Used by the start-up test and the browser journeys: what they see is what a person gets.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Variables of the test run that must not leak into the product (it runs embedded, as `make run`).
_DROPPED = ("DATABASE_URL", "REDIS_URL", "HELPDESK_PROFILE", "DJANGO_SETTINGS_MODULE", "HUEY_IMMEDIATE",
            "SQLITE_PATH", "SQLITE_TEST_PATH", "HUEY_SQLITE_PATH", "MEDIA_ROOT", "DEBUG", "PYTEST_XDIST_WORKER",
            "EMAIL_BACKEND", "EMAIL_FILE_PATH", "HELPDESK_STATIC_MANIFEST", "SECURE_SSL_REDIRECT", "SECRET_KEY",
            "ALLOWED_HOSTS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Product:
    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    extra_env: dict = field(default_factory=dict)  # e.g. a real mail server for a journey

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "serve.log"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
        env.update(HELPDESK_DATA_DIR=str(self.data_dir), HELPDESK_BASE_URL=self.url, PYTHONUNBUFFERED="1",
                   DJANGO_SETTINGS_MODULE="helpdesk.settings",
                   # The requester's mails are batched as in production, over a window the journeys wait for.
                   HELPDESK_REQUESTER_MAIL_BATCH_SECONDS="4")
        env.update(self.extra_env)
        return env

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(),
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def query(self, code: str):
        """Run Python in the product's environment (its own database) and return what it prints as
        JSON — how a test reads the product's state without sharing its process."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def setup(self) -> "Product":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput")
        self.manage("seed_demo", "--if-empty")
        return self

    def start(self, timeout: float = 60) -> "Product":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise AssertionError(f"serve did not answer within {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for(self, code: str, *, timeout: float = 30, interval: float = 0.5):
        """Poll `query(code)` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.query(code)
            if value:
                return value
            time.sleep(interval)
        return value
