from __future__ import annotations

import os
import signal
import threading

import pytest

from sweeplab.agents import forwarding_signals

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


class Target:
    def __init__(self, running: bool = True) -> None:
        self.running = running
        self.forwarded: list[int] = []
        self.killed = 0

    def forward_signal(self, signum: int) -> bool:
        self.forwarded.append(signum)
        return self.running

    def kill_current(self) -> None:
        self.killed += 1


def test_first_signal_forwards_second_kills() -> None:
    target, reasons, said = Target(), [], []  # type: ignore[var-annotated]
    before = signal.getsignal(signal.SIGTERM)
    with forwarding_signals(target, reasons.append, said.append):
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGTERM) is before
    assert target.forwarded == [signal.SIGTERM]
    assert target.killed == 1
    assert reasons == ["received SIGTERM"]
    assert said[0].startswith("received SIGTERM: passed it on")
    assert said[1] == "received SIGINT again: killing the running run"


def test_signal_with_no_run_only_requests_shutdown() -> None:
    target, reasons, said = Target(running=False), [], []  # type: ignore[var-annotated]
    with forwarding_signals(target, reasons.append, said.append):
        os.kill(os.getpid(), signal.SIGINT)
    assert reasons == ["received SIGINT"] and said == []


def test_off_the_main_thread_nothing_is_installed() -> None:
    target, reasons = Target(), []  # type: ignore[var-annotated]
    seen: list[object] = []

    def body() -> None:
        with forwarding_signals(target, reasons.append, print):
            seen.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGINT)]
