"""Seconds per step of the Squat form page's strictness slider, and to get its report, in a
real browser.

    python -m streamlit run app.py --server.port 8612 --server.headless true &
    python bench/form_strictness.py http://127.0.0.1:8612 CLIP [--steps 5]

Uploads CLIP on the Analyse page, opens the Squat form page (timed until the first rep
card's frame is drawn, and until the page is done: the other reps' frames are read after
the cards), then moves the sidebar's Strictness slider ``--steps`` steps up with the
keyboard (0.05 a step, from 0.5). A step is done when the caption under the chart names
the new strictness, no element is greyed as stale, Streamlit's "Running" sign is gone and the browser has drawn two animation frames
(``bench/analyse_clicks.py``'s rule). Then the report: from the first click until the
browser has the file ("Report (HTML)"; before review AQ, "Make report (HTML)" and then
"Download report (HTML)", both clicks counted). Prints one line a step and one for the
report: seconds, kilobytes the server sent, load average (docs/performance.md, "The Squat
form page's strictness slider"). Needs chromium (``/usr/bin/chromium``) and Playwright.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.analyse_clicks import clip_opened, idle, settled, url_and_clip  # noqa: E402

CAPTION = re.compile(r"^Dotted line: the p\(good\) a rep needs")
READING = re.compile(r"^Reading the other reps' frames")


def caption(page) -> str:
    return page.get_by_text(CAPTION).first.inner_text()


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def step(page, k: int, received: list[int]) -> None:
    """One step of the Strictness slider with the right arrow key, timed until drawn."""
    before = caption(page)
    page.get_by_test_id("stSidebar").get_by_role("slider").first.focus()
    received[0] = 0
    start = time.monotonic()
    page.keyboard.press("ArrowRight")
    to_caption, done = settled(page, lambda: caption(page), before, start)
    after = re.search(r"at strictness ([\d.]+)", caption(page)).group(1)
    print(
        f"strictness step #{k + 1} (to {after}): {done:.2f} s (caption {to_caption:.2f} s); "
        f"{received[0] / 1e3:.0f} kB; load {load()}",
        flush=True,
    )
    page.wait_for_timeout(1500)


def report(page, received: list[int]) -> None:
    """The report, from the first click until the browser has the file."""
    received[0] = 0
    start = time.monotonic()
    with page.expect_download(timeout=300_000) as download:
        one_click = page.get_by_role("button", name="Report (HTML)", exact=True)
        if one_click.count():
            one_click.click()
        else:  # the code before review AQ: made on a click, then downloaded on another
            page.get_by_role("button", name="Make report (HTML)").click()
            page.get_by_role("button", name="Download report (HTML)").click(timeout=300_000)
    size = os.path.getsize(download.value.path())
    print(f"report: {time.monotonic() - start:.2f} s ({size / 1e6:.1f} MB file; {received[0] / 1e3:.0f} kB "
          f"over the websocket; load {load()})", flush=True)  # fmt: skip


def main() -> None:
    args = url_and_clip(__doc__.splitlines()[0], "steps", 5)
    received = [0]
    with clip_opened(args.url, args.clip, received) as page:
        start = time.monotonic()
        page.get_by_role("link", name="Squat form").click()
        page.get_by_role("heading", name="Squat form").wait_for()
        page.get_by_text(CAPTION).first.wait_for()
        image = page.locator('[data-testid="stImage"] img').first  # the first rep card's frame
        image.wait_for()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        print(
            f"Squat form page, to the first rep card's frame: {time.monotonic() - start:.2f} s; load {load()}",
            flush=True,
        )
        idle(page)
        # the other reps' frames, read after the cards (review AQ): the page is ready when done
        page.get_by_text(READING).wait_for(state="detached")
        idle(page)
        print(f"Squat form page, done: {time.monotonic() - start:.2f} s; load {load()}", flush=True)
        page.wait_for_timeout(1500)
        for k in range(args.steps):
            step(page, k, received)
        report(page, received)


if __name__ == "__main__":
    main()
