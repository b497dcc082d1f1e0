"""The built book in a real browser (headless Chromium), cut off from every network but localhost.

Every page: each equation typeset by MathJax (no raw TeX left), every image loaded, no console
errors. No raw TeX in the visible text of a chapter page either. Navigation and search work. One
screenshot per chapter is kept in ``_build/screenshots``.
"""

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from notebook_equations import CHAPTERS

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


def test_one_screenshot_per_chapter(site, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for chapter in CHAPTERS:
        open_page(browser, f"{site}/chapters/{chapter.stem}.html")
        browser.execute_async_script(MATH_TYPESET)
        path = SCREENSHOTS / f"{chapter.stem}.png"
        assert browser.save_screenshot(str(path)), f"could not save {path}"
        assert path.stat().st_size > 10_000, f"{path} looks empty"


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
