# The built site in Debian's Chromium (Playwright), served on loopback under a sub-path as on GitHub Pages.
from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from pathlib import Path

import pytest

from helpers import REPO

CHROMIUM = "/usr/bin/chromium"
PREFIX = "/understanding-clip/"  # hosted under a sub-path, like https://owner.github.io/repo/
SHOTS = REPO / "build" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        if not path.startswith(PREFIX):
            return str(Path(self.directory) / "__missing__")
        return super().translate_path("/" + path[len(PREFIX):])

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(built):
    handler = functools.partial(SubPathHandler, directory=str(built.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    assert shutil.which("chromium") or Path(CHROMIUM).exists(), \
        "Debian's chromium is needed for the browser tests: run `bash scripts/setup.sh --tests`"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def test_every_page_loads_without_console_errors(built, server, page):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(f"{page.url}: {err}"))
    urls = sorted(p.relative_to(built.site).as_posix()[: -len("index.html")] for p in built.site.rglob("index.html"))
    started = time.monotonic()
    for url in urls:
        response = page.goto(server + url, wait_until="load")
        assert response is not None and response.ok, f"{url}: HTTP {response.status if response else 'no response'}"
    print(f"{len(urls)} pages loaded in {time.monotonic() - started:.1f} s")
    assert not errors, "console errors:\n" + "\n".join(errors[:20])


def click_node(page, tooltip: str) -> None:
    """Click the diagram node whose Graphviz tooltip is `tooltip` (a module path)."""
    node = page.locator("xpath=//div[contains(@class, 'clip-diagram-svg')]//*[local-name()='a']"
                        f"[@*[local-name()='title']='{tooltip}']").first
    node.scroll_into_view_if_needed()
    with page.expect_navigation():
        node.click()


def test_home_to_a_text_block_by_diagram_nodes_only(server, page):
    page.goto(server)
    click_node(page, "transformer")
    assert page.url == server + "models/vit-b-32/transformer/"
    click_node(page, "transformer.resblocks.3")
    assert page.url == server + "models/vit-b-32/transformer/resblocks/3/"
    assert "Text block 3" in page.locator("h1").first.inner_text()


def test_search_for_a_parameter_lands_on_its_anchor(server, page):
    page.goto(server + "models/vit-b-32/")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("text_projection")
    hit = page.locator('.md-search-result a[href*="vit-b-32/projections/"][href*="#text_projection"]').first
    hit.wait_for()
    hit.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("#text_projection"), page.url
    target = page.locator("#text_projection")
    assert target.count() == 1 and target.is_visible()


def test_dark_mode_toggle_and_screenshots(server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(server + "models/vit-b-32/visual/transformer/resblocks/3/")
    assert page.locator("body").get_attribute("data-md-color-scheme") == "default"
    page.screenshot(path=str(SHOTS / "block-light.png"))
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    page.screenshot(path=str(SHOTS / "block-dark.png"))
    svg = page.locator("div.clip-diagram-svg svg").first
    box = svg.bounding_box()
    assert box and box["width"] <= 1280, "a diagram is wider than the window"
    print(f"screenshots: {SHOTS / 'block-light.png'}, {SHOTS / 'block-dark.png'}")


# The smallest rendered text of every diagram on the page (font size in SVG user units times the screen scale),
# each diagram's rendered width and its card's, and the page's own width.
MEASURE_DIAGRAMS = """() => [...document.querySelectorAll('div.clip-diagram-svg')].map(card => {
  const svg = card.querySelector('svg');
  const sizes = [...svg.querySelectorAll('text')].map(t => {
    const m = t.getScreenCTM();
    return parseFloat(t.getAttribute('font-size')) * Math.hypot(m.c, m.d);
  });
  return {smallest: Math.min(...sizes), width: svg.getBoundingClientRect().width, card: card.clientWidth,
          scrolls: card.scrollWidth > card.clientWidth};
})"""
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
MEASURE_PLOTS = """() => [...document.querySelectorAll('article img[src$=".svg"]')].map(img => ({
  src: img.getAttribute('src'), width: img.getBoundingClientRect().width, natural: img.naturalWidth,
  zoom: !!img.closest('a.glightbox')}))"""


@pytest.mark.parametrize("width", [400, 1400])
def test_diagrams_and_plots_read_at_phone_and_desktop_widths(browser, server, width):
    from gen.render.plots import SMALL

    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.goto(server + "models/vit-b-32/visual/transformer/resblocks/3/")
        tab.screenshot(path=str(SHOTS / f"block-{width}.png"), full_page=True)
        diagrams = tab.evaluate(MEASURE_DIAGRAMS)
        assert diagrams, "no diagram on the block page"
        for d in diagrams:
            assert d["smallest"] >= 8, f"diagram text {d['smallest']:.1f} px at a {width} px window: {d}"
        assert tab.evaluate(PAGE_WIDTH) <= width, "the page itself scrolls sideways"
        if width == 400:
            assert any(d["scrolls"] for d in diagrams), "no diagram scrolls on a phone: they must have shrunk"
        tab.goto(server + "models/vit-b-32/attention/")
        tab.screenshot(path=str(SHOTS / f"attention-{width}.png"), full_page=True)
        plots = {p["src"].rpartition("/")[2]: p for p in tab.evaluate(MEASURE_PLOTS)}
        assert {"attention-image.svg", "attention-text.svg", "causal-mask.svg"} <= set(plots)
        for name, p in plots.items():
            assert p["zoom"], f"{name} does not open full size"
            assert 0 < p["width"] <= width, f"{name} is {p['width']} px wide in a {width} px window"
            smallest = SMALL * 4 / 3 * p["width"] / p["natural"]  # plot text is SMALL pt at the figure's own size
            print(f"{width} px window: {name} shown {p['width']:.0f} of {p['natural']} px, smallest text {smallest:.1f} px")
            if width == 1400:
                assert smallest >= 10, f"{name}: titles and labels {smallest:.1f} px at the page width"
    finally:
        context.close()
