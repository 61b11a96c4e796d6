"""Dashboard responsiveness in a real browser: Step latency and a whole 10-year run.

``python -m bench.dashboard_timing`` starts the Solara server, drives Debian Chromium with
Playwright, prints ``name: value unit`` lines and returns the figures (used by ``python -m bench``).
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(steps: int = 8) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    cache = Path(
        os.environ.get(
            "TERRITOIRE_SOLARA_ASSETS", Path.home() / ".cache" / "territoire-solara-assets"
        )
    )
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "solara_assets.sh"), str(cache)],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache)},
    )
    try:
        for _ in range(240):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector(".territory-map", timeout=180_000)
            first_paint = time.perf_counter() - start
            latencies = []
            for k in range(1, steps + 1):
                t = time.perf_counter()
                page.get_by_role("button", name=re.compile("Pas|Step")).click()
                page.wait_for_function(
                    f"() => /semaine {k} sur/.test(document.body.innerText)", timeout=60_000
                )
                latencies.append(time.perf_counter() - t)
            t = time.perf_counter()
            page.get_by_role("button", name=re.compile("horizon")).click()
            page.wait_for_function(
                "() => /semaine 520 sur/.test(document.body.innerText)", timeout=600_000
            )
            full = time.perf_counter() - t
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "dashboard_first_page_s": first_paint,
        "dashboard_step_latency_median_s": statistics.median(latencies),
        "dashboard_step_latency_max_s": max(latencies),
        "dashboard_full_10y_run_s": full,
    }


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name}: {value:.3f} s")
