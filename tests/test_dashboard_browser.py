"""The dashboard in a real browser: Debian Chromium driven by Playwright, server started by the
test.

Needs /usr/bin/chromium (``apt-get install chromium chromium-driver``; .ci/run installs it) and npm
(to fill Solara's asset cache from the npm registry on machines without its CDN). Skipped when
Chromium is absent outside CI; in CI (CI=true) its absence is a failure.
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(
        "Debian chromium is not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    cache = Path(
        os.environ.get(
            "TERRITOIRE_SOLARA_ASSETS", Path.home() / ".cache" / "territoire-solara-assets"
        )
    )
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "solara_assets.sh"), str(cache)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "solara.log"
    env = {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache)}
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "solara",
                "run",
                str(ROOT / "app.py"),
                "--port",
                str(port),
                "--host",
                "127.0.0.1",
                "--no-open",
            ],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/", log
    proc.terminate()
    proc.wait(timeout=30)


def _map_digest(page) -> str:
    """A digest of the SVG map's markup (colours, rings and tooltips change with the model)."""
    return page.eval_on_selector(
        ".territory-map svg",
        """e => {
        const text = e.outerHTML; let h = 0;
        for (let k = 0; k < text.length; k++) { h = (h * 31 + text.charCodeAt(k)) >>> 0; }
        return text.length + ':' + h; }""",
    )


def _week(page) -> int:
    text = page.locator(".week-label").inner_text()
    return int(re.search(r"(\d+)\s+(?:sur|of)", text).group(1))


def test_dashboard_in_a_real_browser(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        # Playwright gives it a fresh, empty profile
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        # blank page: times out and fails
        page.wait_for_selector(".territory-map svg circle", timeout=120_000)
        page.screenshot(path=shots / "1-loaded.png", full_page=True)
        assert "territoire" in page.title() or page.get_by_text("territoire").count() > 0
        # one circle a commune
        assert page.locator(".territory-map svg circle[id^='c-']").count() > 100

        # Hover a commune: its tooltip names it and gives its figures. Click it: it becomes the
        # chosen commune (ringed, its figures beside the map), and the new GPs can be placed there.
        circle = page.locator(".territory-map svg circle[id^='c-']").nth(7)
        tooltip = circle.locator("title").text_content()
        name = tooltip.split(" (")[0]
        assert "population" in tooltip and "APL" in tooltip
        circle.hover()
        circle.click()
        page.wait_for_function(
            "n => document.querySelector('.commune-info h3')?.innerText === n",
            arg=name,
            timeout=30_000,
        )
        page.wait_for_selector(".territory-map svg circle.highlight", timeout=30_000)
        page.locator(".place-button").click()
        page.wait_for_function(
            "n => document.body.innerText.includes('Placer les nouveaux MG ici: ' + n)",
            arg=name,
            timeout=60_000,
        )
        page.wait_for_function(
            "() => /semaine 0 sur/.test(document.body.innerText)", timeout=60_000
        )
        page.wait_for_selector(".territory-map svg circle", timeout=60_000)
        page.wait_for_timeout(1500)  # the rebuilt future's map is redrawn in a background thread
        first_map = _map_digest(page)

        page.get_by_role("button", name=re.compile("Pas|Step")).click()
        page.wait_for_function(
            "() => /semaine 1 sur|week 1 of/.test(document.body.innerText)", timeout=60_000
        )
        page.get_by_role("button", name=re.compile("Lecture|Play")).click()
        page.wait_for_function(
            "() => { const m = document.body.innerText.match(/semaine (\\d+) sur/); "
            "return m && +m[1] >= 9; }",
            timeout=60_000,
        )
        page.get_by_role("button", name=re.compile("Pause")).click()
        assert _week(page) >= 9
        page.screenshot(path=shots / "2-played.png", full_page=True)

        page.get_by_text("on-demand transport").click()  # a lever: the model is rebuilt with it
        page.wait_for_function(
            "() => /semaine 0 sur/.test(document.body.innerText)", timeout=60_000
        )
        page.get_by_role("button", name=re.compile("horizon")).click()
        page.wait_for_function(
            "() => /semaine 520 sur/.test(document.body.innerText)", timeout=180_000
        )
        page.wait_for_timeout(1500)
        page.screenshot(path=shots / "3-lever-run.png", full_page=True)
        tiles = page.locator(".aims").inner_text()
        # the quadruple-aim tiles show a difference
        assert "mieux" in tiles or "moins bien" in tiles
        last_map = _map_digest(page)
        assert last_map != first_map  # the map changed

        page.get_by_role("button", name=re.compile("English")).click()
        page.wait_for_function("() => /week \\d+ of/.test(document.body.innerText)", timeout=30_000)
        page.get_by_role("button", name=re.compile("Français")).click()

        page.get_by_role("tab", name=re.compile("Atelier")).click()
        # baseline and telemedecine are ticked
        page.get_by_role("button", name=re.compile("Lancer")).click()
        page.wait_for_selector(".workshop-charts", timeout=240_000)
        assert page.locator(".workshop-map").count() == 2
        page.screenshot(path=shots / "4-workshop.png", full_page=True)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=re.compile("PNG")).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        browser.close()
    assert not errors, errors
    assert "Traceback" not in log.read_text()
