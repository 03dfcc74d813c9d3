"""The helpers of the Celery worker tests hold up on a busy machine."""

import socket

from tests.exchange import celery_harness
from tests.exchange.celery_harness import SmtpSink


def test_the_smtp_sink_takes_another_port_when_its_free_one_was_taken(monkeypatch):
    """The free port is probed, then bound: another process (suites run side by side here) may
    take it in between. The sink used to fail with "address already in use"."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports = iter([taken.getsockname()[1]])
        real_free_port = celery_harness.free_port
        monkeypatch.setattr(
            celery_harness, "free_port", lambda: next(ports, None) or real_free_port()
        )
        sink = SmtpSink().start()
        try:
            assert sink.port != taken.getsockname()[1]
        finally:
            sink.stop()
