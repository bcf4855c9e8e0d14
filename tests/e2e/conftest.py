"""Session fixtures of the end-to-end suite: one SMTP sink, one `sesame serve` relaying to it,
one API key, and one trusted sending domain with a sender and a template.

The server is stopped with SIGTERM at the end of the session and must exit 0 within a few
seconds (graceful shutdown is part of the contract, so a failure there fails the run).
Tests that need their own server (restart) build one from the same helpers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from harness import Api, SesameServer, Sending, new_master_key, prepare_sending  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

ACCOUNT = "e2e"
DOMAIN = "mail.sesame-e2e.com"


@pytest.fixture(scope="session")
def sink():
    with SmtpSink() as s:
        yield s


@pytest.fixture(scope="session")
def server(tmp_path_factory, sink):
    root = tmp_path_factory.mktemp("sesame")
    srv = SesameServer(root / "data", sink.url, new_master_key(), root)
    srv.start()
    try:
        yield srv
    finally:
        if srv.proc is not None:
            code = srv.stop(timeout=10)
            assert code == 0, f"sesame serve exited {code} on SIGTERM\n{srv.log()}"


@pytest.fixture(scope="session")
def credentials(server) -> tuple[str, str]:
    return server.create_key(ACCOUNT)


@pytest.fixture(scope="session")
def api(server, credentials) -> Api:
    return server.client(*credentials)


@pytest.fixture(scope="session")
def sending(server, api) -> Sending:
    return prepare_sending(server, api, DOMAIN, ACCOUNT)


def pytest_runtest_makereport(item, call):
    """Adds the server's log tail to a failing test's report: most failures are explained there."""
    if call.when == "call" and call.excinfo is not None:
        srv = item.funcargs.get("server") if hasattr(item, "funcargs") else None
        if isinstance(srv, SesameServer):
            item.add_report_section("call", "sesame log (tail)", srv.log())
