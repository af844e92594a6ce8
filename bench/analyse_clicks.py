"""Seconds per click on the Analyse page in a real browser: frame steps and chart clicks.

    python -m streamlit run app.py --server.port 8614 --server.headless true &
    python bench/analyse_clicks.py http://127.0.0.1:8614 CLIP [--repeats 3]

Uploads CLIP, picks "squat" as the exercise, then clicks "+1 frame", "Next rep", the Frame
slider's right arrow and the angle chart ``--repeats`` times each. A click is done when the
caption under the frame has changed, no element is greyed as stale, Streamlit's "Running"
sign is gone and the browser has drawn two animation frames (the charts drawn, if redrawn).
Prints one line a click: seconds to done, seconds to the new caption, kilobytes the server
sent and the load average (docs/performance.md, "The Analyse page's frame steps"). Needs
chromium (``/usr/bin/chromium``) and Playwright.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import time

from playwright.sync_api import sync_playwright

CAPTION = re.compile(r"^frame \d+ at [\d.]+ s$")
# two animation frames later, with nothing stale and no "Running": drawn
DRAWN = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(
    !document.querySelector('[data-stale="true"]') && !document.querySelector('[data-testid="stStatusWidget"]')))))"""


def caption(page) -> str:
    return page.get_by_text(CAPTION).first.inner_text()


def idle(page) -> None:
    page.wait_for_timeout(400)
    while not page.evaluate(DRAWN):
        page.wait_for_timeout(100)


def open_clip(page, url: str, clip: str) -> None:
    """The clip uploaded on the Analyse page and counted as squats."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(".js-plotly-plot", timeout=300_000)
    idle(page)
    page.get_by_text("Upload a video", exact=True).click()
    page.locator('input[type="file"]').set_input_files(clip)
    page.get_by_role("heading", name=os.path.basename(clip)).wait_for(timeout=600_000)
    idle(page)
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]', has_text="Exercise")
    box.locator("input").click()
    page.keyboard.type("squat")
    page.wait_for_selector("[role=option]")
    page.keyboard.press("Enter")
    idle(page)
    page.wait_for_timeout(1500)


def settled(page, read, before: str, start: float) -> tuple[float, float]:
    """Seconds from ``start`` until ``read()`` differs from ``before``, and until the page is
    drawn after that (``DRAWN``)."""
    while read() == before and time.monotonic() - start < 120:
        page.wait_for_timeout(20)
    changed = time.monotonic() - start
    while not page.evaluate(DRAWN):
        page.wait_for_timeout(20)
    return changed, time.monotonic() - start


def timed(page, label: str, click, received: list[int]) -> None:
    before = caption(page)
    received[0] = 0
    start = time.monotonic()
    click()
    to_caption, done = settled(page, lambda: caption(page), before, start)
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{label}: {done:.2f} s (caption {to_caption:.2f} s, {before} -> {caption(page)}; "
          f"{received[0] / 1e3:.0f} kB; load {load})", flush=True)  # fmt: skip
    page.wait_for_timeout(800)


def chart_click(page, k: int):
    """A click on the angle chart, at 30%, 50%, 70% ... across."""
    chart = page.locator(".js-plotly-plot").nth(1)
    chart.scroll_into_view_if_needed()
    box = chart.locator(".nsewdrag").first.bounding_box()
    x, y = box["x"] + box["width"] * (0.3 + 0.2 * (k % 3)), box["y"] + box["height"] * 0.5

    def click() -> None:
        page.mouse.move(x - 5, y)
        page.mouse.click(x, y)

    return click


def url_and_clip(description: str, option: str, default: int) -> argparse.Namespace:
    """URL CLIP [--OPTION N]: this script's arguments, and bench/form_strictness.py's."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("url")
    parser.add_argument("clip")
    parser.add_argument(f"--{option}", type=int, default=default)
    return parser.parse_args()


@contextlib.contextmanager
def clip_opened(url: str, clip: str, received: list[int]):
    """A chromium page (1280 x 900) with ``clip`` uploaded and counted as squats (``open_clip``),
    adding to ``received[0]`` the bytes of every websocket frame the server sends."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(120_000)
        page.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda f: received.__setitem__(0, received[0] + len(f))),
        )
        open_clip(page, url, clip)
        yield page
        browser.close()


def main() -> None:
    args = url_and_clip(__doc__.splitlines()[0], "repeats", 3)
    received = [0]
    with clip_opened(args.url, args.clip, received) as page:
        for label, click in (
            ("+1 frame", lambda: page.get_by_role("button", name="+1 frame", exact=True).click()),
            ("Next rep", lambda: page.get_by_role("button", name="Next rep", exact=True).click()),
            ("slider arrow", lambda: (page.get_by_role("slider").first.focus(), page.keyboard.press("ArrowRight"))),
        ):  # fmt: skip
            for k in range(args.repeats):
                timed(page, f"{label} #{k + 1}", click, received)
        for k in range(args.repeats):
            timed(page, f"angle chart click #{k + 1}", chart_click(page, k), received)


if __name__ == "__main__":
    main()
