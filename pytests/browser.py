"""Headless Chromium for the tests that look at rendered pages (docs site, HTML report).

Each call starts a fresh headless browser with a private profile under a temporary
folder, so tests never share state. ``budget_ms`` is Chromium's virtual time budget:
the page's scripts run until the budget is spent or nothing is left to do.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

#: Binaries tried in order; Debian ships `chromium`.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--hide-scrollbars",
)
#: Wall-clock limit of one browser run, well above any budget the tests use.
TIMEOUT_SECONDS = 180
#: Share of pixels of the most common colour above which a screenshot counts as blank.
BLANK_SHARE = 0.995


def chromium_binary() -> str:
    """Path of the Chromium binary; fails the test with the remedy when there is none."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "headless Chromium is needed for this test and was not found on PATH; "
        "install it with `make browser` (Debian package chromium)",
        pytrace=False,
    )


def _run(url: str, *extra: str, budget_ms: int) -> str:
    with tempfile.TemporaryDirectory(prefix="ai-adoption-chromium-") as profile:
        args = (
            chromium_binary(),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            *extra,
            url,
        )
        completed = subprocess.run(
            args,
            cwd=profile,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    if completed.returncode != 0:
        pytest.fail(
            f"Chromium exited with {completed.returncode} on {url}:\n{completed.stderr[-3000:]}",
            pytrace=False,
        )
    return completed.stdout


def dump_dom(url: str, *, budget_ms: int = 15000) -> str:
    """The page's DOM as HTML after its scripts ran."""
    return _run(url, "--dump-dom", budget_ms=budget_ms)


def screenshot(
    url: str, out: Path, *, width: int = 1400, height: int = 2000, budget_ms: int = 15000
) -> Path:
    """Save a PNG of the page's first ``width`` x ``height`` pixels to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(url, f"--screenshot={out}", f"--window-size={width},{height}", budget_ms=budget_ms)
    if not out.exists():
        pytest.fail(f"Chromium wrote no screenshot of {url} to {out}", pytrace=False)
    return out


def is_blank(png: Path) -> bool:
    """True when nearly every pixel has the same colour (an empty or failed render)."""
    with Image.open(png) as image:
        pixels = image.convert("RGB")
        total = pixels.width * pixels.height
        colours = pixels.getcolors(maxcolors=total)
    if not colours or total == 0:
        return True
    most_common = max(count for count, _ in colours)
    return most_common >= BLANK_SHARE * total
