"""Fixtures for the browser test: scripts/develop on free ports, and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

ROOT = Path(__file__).resolve().parents[2]
# Gitignored; the README names it. Each test's pictures go to a folder named after
# the test, which each run of the test replaces.
SCREENSHOTS = ROOT / "tests" / "browser" / "screenshots"
CHROMIUM = os.environ.get("VITREA_CHROMIUM", "/usr/bin/chromium")
# The flags Chromium needs as root on a machine with no network but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A fresh configuration starts in seconds; a loaded CI machine may take much longer.
START_TIMEOUT = 180


@dataclass(frozen=True)
class Develop:
    """What scripts/develop started: Home Assistant's address, the box's two ports (the
    app's, 11501's protocol; the integration port, 11502's), the config folder."""

    url: str
    box_port: int
    host_port: int
    config: Path

    @property
    def console(self) -> Path:
        """The simulator's control console (scripts/develop's default VITREA_CONSOLE)."""
        return self.config / "simulator.sock"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.URLError, OSError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop scripts/develop as Ctrl-C would; kill its process group if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def develop(tmp_path: Path, socket_enabled: None) -> Iterator[Develop]:
    """scripts/develop on a copy of config/ (the repository's stays untouched), free ports."""
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(ROOT / "config" / "configuration.yaml", config)
    box_port, host_port, ha_port = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "VITREA_DEVELOP_CONFIG": str(config),
        "VITREA_DEMO_PORT": str(box_port),
        "VITREA_DEMO_HOST_PORT": str(host_port),
        "VITREA_HA_PORT": str(ha_port),
    }
    output = (tmp_path / "develop.out").open("wb")
    proc = subprocess.Popen(
        [ROOT / "scripts" / "develop"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so a hang can be killed whole
    )
    url = f"http://127.0.0.1:{ha_port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        # The onboarding API answers without a login once Home Assistant serves pages.
        while not _answers(f"{url}/api/onboarding"):
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (tmp_path / "develop.out").read_text(errors="replace")
                pytest.fail(f"scripts/develop did not serve {url}:\n{log[-3000:]}")
            time.sleep(0.5)
        yield Develop(url=url, box_port=box_port, host_port=host_port, config=config)
    finally:
        _stop(proc)
        output.close()


_SHOTS: dict[int, Path] = {}  # each open page's screenshot folder


def shots(page: Page) -> Path:
    """The screenshot folder of the test that opened ``page``."""
    return _SHOTS[id(page)]


@pytest.fixture
async def page(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A page in headless Chromium from the distribution, with a new, empty profile."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"No Chromium at {CHROMIUM}: run scripts/setup as root, or "
            "`apt-get install chromium` (or set VITREA_CHROMIUM to another build)"
        )
    folder = SCREENSHOTS / request.node.name.removeprefix("test_").replace("_", "-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            locale="en-US",
        )
        page = context.pages[0] if context.pages else await context.new_page()
        _SHOTS[id(page)] = folder
        try:
            yield page
        finally:
            # Where the page was when the test ended (or failed).
            await page.screenshot(path=folder / "last.png", full_page=True)
            del _SHOTS[id(page)]
            await context.close()
