"""The built book in a real browser (headless Chromium), cut off from every network but localhost.

Every page: each equation typeset by MathJax (no raw TeX left), every image loaded, no console
errors. No raw TeX in the visible text of a chapter page either. Navigation and search work, and a
search result's snippet is clean text. Laid out for reading: at 1280 px code, printed output and
display equations fit the text column, figures are shown at a size whose smallest text is no smaller
than the body text, check cells are collapsed; at 400 px no page scrolls sideways. Screenshots of
every chapter at 1280 px (its top, and the whole page in ``whole/``) and at 400 px (``phone/``) are
kept in ``_build/screenshots``.
"""

import base64
import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from notebook_equations import CHAPTERS, read

pytestmark = pytest.mark.slow

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "_build" / "screenshots"

if not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"):
    pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

MATH_TYPESET = """
const done = arguments[arguments.length - 1];
if (!window.MathJax || !MathJax.startup) { done('no MathJax'); return; }
MathJax.startup.promise.then(() => done('ok')).catch(e => done('error: ' + e));
"""
RAW_MATH = """
return [...document.querySelectorAll('.math')]
  .filter(el => !el.querySelector('mjx-container') || el.querySelector('mjx-merror'))
  .map(el => el.textContent.slice(0, 80));
"""
VISIBLE_TEXT = """
const style = document.createElement('style');   // code (the check cells' source included) and typeset maths hidden
style.textContent = 'pre, .highlight, .cell_input, mjx-container { display: none !important; }';
document.head.appendChild(style);
const text = document.body.innerText;
style.remove();
return text;
"""
# TeX that MathJax did not typeset, left in the page's prose: a fraction, \( \), $$, or $ opening inline maths
RAW_TEX = re.compile(r"\\frac|\\\(|\\\)|\$\$|\$[^\s$][^$\n]*\$")
BROKEN_IMAGES = """
return [...document.images].filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src);
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """The built book served on 127.0.0.1; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--window-size=1280,1600", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
                 # no network but localhost: every other host name fails to resolve
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def pages(built_book):
    return sorted(p.relative_to(built_book).as_posix() for p in built_book.rglob("*.html")
                  if not p.relative_to(built_book).as_posix().startswith(("_static", "_sources")))


def open_page(browser, url):
    browser.get_log("browser")  # drop the messages of earlier pages
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_every_page_renders_math_and_images_without_console_errors(site, browser, built_book):
    problems = {}
    for page in pages(built_book):
        open_page(browser, f"{site}/{page}")
        found = []
        if browser.find_elements(By.CSS_SELECTOR, ".math"):
            status = browser.execute_async_script(MATH_TYPESET)
            if status != "ok":
                found.append(f"MathJax: {status}")
            raw = browser.execute_script(RAW_MATH)
            if raw:
                found.append(f"{len(raw)} equations not typeset, e.g. {raw[:2]}")
        broken = browser.execute_script(BROKEN_IMAGES)
        if broken:
            found.append(f"images that did not load: {broken[:3]}")
        errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        if errors:
            found.append(f"console errors: {errors[:3]}")
        if found:
            problems[page] = found
    assert not problems, f"pages with problems: {problems}"


def save_whole_page(browser, path: Path) -> None:
    """A screenshot of the whole page, top to bottom, at the window's width (Chrome DevTools)."""
    width, height = browser.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.scrollHeight];")
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def test_one_screenshot_per_chapter(site, browser):
    """The top of each chapter as a student first sees it, and the whole chapter, at 1280 px."""
    (SCREENSHOTS / "whole").mkdir(parents=True, exist_ok=True)
    for chapter in CHAPTERS:
        open_page(browser, f"{site}/chapters/{chapter.stem}.html")
        browser.execute_async_script(MATH_TYPESET)
        path = SCREENSHOTS / f"{chapter.stem}.png"
        assert browser.save_screenshot(str(path)), f"could not save {path}"
        assert path.stat().st_size > 10_000, f"{path} looks empty"
        whole = SCREENSHOTS / "whole" / f"{chapter.stem}.png"
        save_whole_page(browser, whole)
        assert whole.stat().st_size > path.stat().st_size, f"{whole} is no larger than the page's top"


def test_chapter_pages_show_no_raw_tex(site, browser):
    problems = {}
    for chapter in CHAPTERS:
        open_page(browser, f"{site}/chapters/{chapter.stem}.html")
        browser.execute_async_script(MATH_TYPESET)
        text = browser.execute_script(VISIBLE_TEXT)
        found = [text[max(m.start() - 40, 0):m.end() + 40].replace("\n", " ") for m in RAW_TEX.finditer(text)]
        if found:
            problems[chapter.stem] = found[:3]
    assert not problems, f"raw TeX in the text of the chapter pages: {problems}"


def test_next_link_leads_through_the_chapters(site, browser):
    open_page(browser, f"{site}/intro.html")
    visited = ["intro"]
    for _ in CHAPTERS:
        browser.find_element(By.CSS_SELECTOR, "a.right-next").click()
        WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
        visited.append(browser.current_url.rsplit("/", 1)[-1].removesuffix(".html"))
    assert visited[1:] == [chapter.stem for chapter in CHAPTERS], f"'next' visited {visited}"


@pytest.mark.parametrize("query,expected_page", [("backpropagation", "06_backpropagation"),
                                                  ("perceptron", "04_perceptron")])
def test_search_finds_the_chapter(site, browser, query, expected_page):
    open_page(browser, f"{site}/search.html?q={query}")
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li, ul.search li"))
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#search-results li a, ul.search li a")]
    assert any(expected_page in link for link in links), f"searching {query!r} found {links[:5]}"


# --- laid out for reading -----------------------------------------------------------------------
WIDE, PHONE = (1280, 1600), (400, 900)

OVERFLOWING_BLOCKS = """
const wide = el => el.scrollWidth > el.clientWidth + 1;
const pres = [...document.querySelectorAll('article.bd-article pre')].filter(p => p.offsetParent !== null);
const equations = [...document.querySelectorAll('article.bd-article mjx-container[display="true"]')];
return {
  code: pres.filter(wide).map(p => p.textContent.split('\\n').sort((a, b) => b.length - a.length)[0].slice(0, 90)),
  equations: equations.filter(e => wide(e) || e.firstElementChild.getBoundingClientRect().width
                                    > e.getBoundingClientRect().width + 1)
                      .map(e => (e.closest('.math') || e).id || e.textContent.slice(0, 60)),
};
"""
FIGURES = """
const ex = document.createElement('span');
ex.style.cssText = 'display: inline-block; width: 1ex; height: 1px';
const p = document.querySelector('article.bd-article p');
p.appendChild(ex);
const bodyEx = ex.getBoundingClientRect().width;
ex.remove();
return [bodyEx, [...document.querySelectorAll('article.bd-article .cell_output img')]
  .map(img => [img.src.split('/').pop(), img.naturalWidth, img.getBoundingClientRect().width])];
"""
COLLAPSED_CHECKS = """
return [...document.querySelectorAll('article.bd-article details.hide')].map(d => [
  d.open, d.querySelector('summary').innerText.trim(), d.querySelector('pre').checkVisibility()]);
"""
SIDEWAYS = "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];"


@pytest.fixture
def phone(browser):
    """The browser at a phone's width for one test, then back at 1280 px."""
    browser.set_window_size(*PHONE)
    yield browser
    browser.set_window_size(*WIDE)


def open_chapter(browser, site, chapter):
    open_page(browser, f"{site}/chapters/{chapter.stem}.html")
    assert browser.execute_async_script(MATH_TYPESET) == "ok"


def test_code_output_and_equations_fit_the_column_at_1280px(site, browser):
    problems = {}
    for chapter in CHAPTERS:
        open_chapter(browser, site, chapter)
        found = browser.execute_script(OVERFLOWING_BLOCKS)
        if found["code"] or found["equations"]:
            problems[chapter.stem] = found
    assert not problems, f"blocks that scroll sideways or are clipped at 1280 px: {problems}"


def figure_x_height() -> float:
    """x-height of matplotlib's default font (DejaVu Sans), as a fraction of its size."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    return TextPath((0, 0), "x", size=1, prop=FontProperties(family="DejaVu Sans")).get_extents().height


def test_figure_text_is_no_smaller_than_the_body_text(site, browser):
    """The smallest text a figure may hold (dlcore.plotting's style) keeps the body text's x-height as shown."""
    from dlcore.plotting import DPI, MIN_FONT_SIZE

    smallest_text_px = MIN_FONT_SIZE * DPI / 72  # at the figure's natural size
    problems, n_figures = {}, 0
    for chapter in CHAPTERS:
        open_chapter(browser, site, chapter)
        body_ex, figures = browser.execute_script(FIGURES)
        n_figures += len(figures)
        shrunk = [f"{name[:12]}: {natural} px shown at {shown:.0f} px" for name, natural, shown in figures
                  if smallest_text_px * shown / natural * figure_x_height() < body_ex - 0.05]
        if shrunk:
            problems[chapter.stem] = shrunk
    assert n_figures >= 40, f"only {n_figures} figures found in the chapters"
    assert not problems, f"figures shown so small that their text is below the body text's x-height: {problems}"


def test_check_cells_are_collapsed_behind_a_toggle(site, browser):
    for chapter in CHAPTERS:
        hidden = sum("hide-input" in cell.metadata.get("tags", []) for cell in read(chapter).cells)
        open_chapter(browser, site, chapter)
        toggles = browser.execute_script(COLLAPSED_CHECKS)
        assert len(toggles) == hidden, f"{chapter.stem}: {hidden} check cells, {len(toggles)} toggles"
        assert all(not is_open and summary == "show the check" and not shown for is_open, summary, shown in toggles), \
            f"{chapter.stem}: a check cell is shown open: {toggles}"
    browser.find_element(By.CSS_SELECTOR, "article.bd-article details.hide summary").click()
    assert browser.execute_script(COLLAPSED_CHECKS)[0][1:] == ["hide the check", True], "the toggle does not open"


def test_no_page_scrolls_sideways_at_400px(site, phone, built_book):
    problems = {}
    for page in pages(built_book):
        open_page(phone, f"{site}/{page}")
        if phone.find_elements(By.CSS_SELECTOR, ".math"):
            phone.execute_async_script(MATH_TYPESET)
        scroll_width, client_width = phone.execute_script(SIDEWAYS)
        if scroll_width > client_width:
            problems[page] = f"{scroll_width} px wide in a {client_width} px window"
    assert not problems, f"pages that scroll sideways at {PHONE[0]} px: {problems}"


def test_one_phone_screenshot_per_chapter(site, phone):
    folder = SCREENSHOTS / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    for chapter in CHAPTERS:
        open_chapter(phone, site, chapter)
        path = folder / f"{chapter.stem}.png"
        assert phone.save_screenshot(str(path)) and path.stat().st_size > 10_000, f"could not save {path}"


# what a snippet must not hold: the page's buttons (".ipynb .pdf") or table of contents, code, TeX
SNIPPET_LITTER = re.compile(r"\.(?:ipynb|md) \.pdf|\bContents\b|>>>|\$\$|\\[a-zA-Z(]|\b(?:mathbf|boldsymbol|mathcal)\b")
SNIPPETS = "return [...document.querySelectorAll('#search-results li')].map(li => [li.querySelector('a').href, (li.querySelector('p.context') || {}).textContent || ''])"


@pytest.mark.parametrize("query", ["backpropagation", "perceptron", "softmax"])
def test_search_snippets_are_clean_text(site, browser, query):
    open_page(browser, f"{site}/search.html?q={query}")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results p.context"))
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results p.search-summary"))
    snippets = browser.execute_script(SNIPPETS)
    chapter_snippets = [(href, text) for href, text in snippets if "/chapters/" in href and text]
    assert chapter_snippets, f"no chapter result with a snippet for {query!r}: {snippets[:3]}"
    dirty = [(href.rsplit("/", 1)[-1], text[:120]) for href, text in snippets
             if SNIPPET_LITTER.search(text)]
    assert not dirty, f"search snippets with buttons, the table of contents, code or raw TeX: {dirty[:3]}"
