"""Adaptive pacing: the policy against a model box, then a real read from a box that
drops requests arriving too soon after its last answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from custom_components.vitrea.vbox.pacing import AdaptivePacer
from custom_components.vitrea.vbox.vtu.client import VBoxClient
from simulator import VBoxSimulator

from .conftest import FAST, PASSWORD, USERNAME, ClientFactory, HastyRequestsDropped

LATENCY = 0.02  # the box's answer time in the model
TIMEOUT = 2.0  # the client's default request timeout


def serve(pacer: AdaptivePacer, min_gap: Callable[[int], float], requests: int) -> float:
    """Serve ``requests`` from a model box that drops a request sent less than
    ``min_gap(i)`` after its last answer; return the time they took."""
    spent = 0.0
    for i in range(requests):
        gap = pacer.gap
        spent += gap
        if gap >= min_gap(i):
            spent += LATENCY
            pacer.answered()
            continue
        spent += TIMEOUT  # unanswered: the retry goes out long after the last answer
        pacer.lost()
        spent += LATENCY
        pacer.answered()
    return spent


def test_a_box_that_keeps_up_gets_no_gap() -> None:
    pacer = AdaptivePacer()
    serve(pacer, lambda _: 0.0, 2000)
    assert pacer.gap == 0
    assert pacer.losses == 0


def test_the_configured_gap_is_a_floor() -> None:
    pacer = AdaptivePacer(0.25)
    serve(pacer, lambda _: 0.0, 500)
    assert pacer.gap == 0.25


@pytest.mark.parametrize("min_gap", [0.05, 0.08, 0.1, 0.2])
def test_a_slow_box_is_read_within_1_3x_its_own_bound(min_gap: float) -> None:
    """908 requests, as a cold start of a large home, with 2 s lost per dropped request."""
    pacer = AdaptivePacer()
    spent = serve(pacer, lambda _: min_gap, 908)
    assert spent <= 1.3 * 908 * (LATENCY + min_gap)
    assert pacer.losses <= 8
    assert min_gap <= pacer.gap <= 1.1 * min_gap


def test_gap_narrows_again_when_the_box_gets_faster() -> None:
    pacer = AdaptivePacer()
    serve(pacer, lambda _: 0.08, 300)
    assert pacer.gap >= 0.08
    losses = pacer.losses
    serve(pacer, lambda _: 0.0, 1000)
    assert pacer.gap == 0
    assert pacer.losses - losses <= 2  # the probes that found out


def test_gap_widens_when_the_box_gets_slower() -> None:
    pacer = AdaptivePacer()
    serve(pacer, lambda _: 0.0, 100)
    assert pacer.gap == 0
    serve(pacer, lambda _: 0.08, 300)
    assert 0.08 <= pacer.gap <= 0.1


def test_a_dead_link_says_nothing_about_pacing() -> None:
    pacer = AdaptivePacer()
    pacer.lost()
    pacer.lost()  # a silent box: the retry was not answered either
    pacer.link_lost()
    assert pacer.gap == 0
    assert pacer.losses == 0


# --------------------------------------------------------------------- on the wire


async def test_box_dropping_hasty_requests_is_read_whole(simulator: VBoxSimulator) -> None:
    """A box that ignores requests less than 80 ms after its last answer: the client
    widens its gap on the first losses and reads every room, node, key and state."""
    proxy = HastyRequestsDropped(simulator.port, min_gap=0.08)
    port = await proxy.start()
    config = dataclasses.replace(FAST, request_timeout=0.3, max_retries=2)
    client = VBoxClient("127.0.0.1", port, USERNAME, PASSWORD, config=config)
    try:
        await client.connect()  # its Login comes right after an answer: dropped, then retried
        read = await client.read_installation()
        gap = client.current_gap
    finally:
        await client.close()
        await proxy.stop()
    assert [n.id for n in read.nodes] == [n.id for n in simulator.installation.nodes]
    assert client.key_states == {k: simulator.key_state(*k) for k in read.active_keys()}
    assert 1 <= proxy.ignored <= 6
    assert client.unanswered_requests == proxy.ignored  # each one noticed, none given up
    assert gap >= 0.05


async def test_box_that_keeps_up_is_never_paced(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    await client.read_installation()
    assert client.current_gap == 0
    assert client.unanswered_requests == 0
