"""A MariaDB/MySQL database for the order tests: the configured one, else a private one.

`mysql_url` (session fixture) yields, in this order:

1. `$SPECMOCK_MYSQL_URL` when set: CI sets it to the reference set-up that `.ci/run`
   installs and starts (`mysql://qwire:Qwire2026@localhost:3306/qwire`), so the order
   tests run against the real system service there;
2. otherwise a private, throw-away `mariadbd` on a free loopback port in a temporary
   directory (its own data dir and socket, no grant tables, nothing else touched), when
   the binaries are installed;
3. otherwise the tests are skipped, saying how to get a server; under CI (`$CI` set) a
   missing server is a failure, never a silent skip.

Each test opens its store with its own table prefix, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_TIMEOUT = 30.0


class MariadbError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    import pymysql

    try:
        pymysql.connect(host="127.0.0.1", port=port, user="root", connect_timeout=1).close()
        return True
    except pymysql.MySQLError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def mariadb_server() -> Iterator[str]:
    """Run a private mariadbd for the duration of the block; yields its URL."""
    server = shutil.which("mariadbd") or shutil.which("mysqld", path="/usr/sbin:/usr/bin")
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    if server is None or install is None:
        raise MariadbError("mariadbd was not found: `apt-get install mariadb-server`, or set "
                           "SPECMOCK_MYSQL_URL=mysql://user:pass@host:port/db")
    with tempfile.TemporaryDirectory(prefix="specmock-mariadb-") as tmp:
        data, log = Path(tmp) / "data", Path(tmp) / "mariadb.log"
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run([install, "--no-defaults", f"--datadir={data}", "--skip-test-db",
                        "--auth-root-authentication-method=normal", *user],
                       check=True, capture_output=True, timeout=120)
        port = _free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [server, "--no-defaults", f"--datadir={data}", f"--port={port}",
                 "--bind-address=127.0.0.1", f"--socket={tmp}/mariadb.sock",
                 f"--pid-file={tmp}/mariadb.pid", "--skip-grant-tables", "--skip-log-bin",
                 "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M", *user],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _answers(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise MariadbError("mariadbd did not start:\n" + log.read_text()[-2000:])
                time.sleep(0.1)
            import pymysql

            with pymysql.connect(host="127.0.0.1", port=port, user="root") as db:
                db.cursor().execute("CREATE DATABASE IF NOT EXISTS specmock")
            yield f"mysql://root@127.0.0.1:{port}/specmock"
        finally:
            _stop(proc)


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    configured = os.environ.get("SPECMOCK_MYSQL_URL")
    if configured:
        yield configured
        return
    try:
        with mariadb_server() as url:
            yield url
    except MariadbError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
