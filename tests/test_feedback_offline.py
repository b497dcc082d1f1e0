"""Maths in the grading pages, typeset with no network, in headless Chromium that can reach only localhost.

* A lab 3 feedback page, opened from disk: MathJax 3 (inlined in the page) has typeset its TeX, the page
  asked nothing of any server, and the summary reads "...: passed", not "....: passed".
* The formgrader's grading view of the same submission, from a real Jupyter server with the repository's
  ``jupyter_server_config.py``: MathJax 2 came from that server, typeset the TeX, and formgrade.js (which
  uses MathJax 2's API) logged no error.

* A server whose checkout lacks MathJax 2 stops and says to run ``npm ci --prefix hub``.

Every request the browser makes is read from Chrome's performance log. The screenshots (feedback.png,
formgrader.png) are kept in the tests' temporary folders.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from test_labs import LAB3, ROOT, copy_course, lab3_submissions, nbgrader, notebook_path

pytestmark = pytest.mark.slow

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"):
    pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

STUDENT = "no_g_prime"  # a submission with passed and failed tests
VISIBLE_TEXT = """
const style = document.createElement('style');   // code, outputs and typeset maths hidden: what is left is prose
style.textContent = 'pre, code, .highlight, mjx-container, .MathJax, .MathJax_CHTML, .MathJax_Display'
                  + ' { display: none !important; }';
document.head.appendChild(style);
const text = document.body.innerText;
style.remove();
return text;
"""
# TeX that MathJax did not typeset: a fraction, \( \), $$, or $ opening inline maths
RAW_TEX = re.compile(r"\\frac|\\\(|\\\)|\$\$|\$[^\s$][^$\n]*\$")
MATHJAX3_DONE = """
const done = arguments[arguments.length - 1];
if (!window.MathJax || !MathJax.startup) { done('no MathJax 3'); return; }
MathJax.startup.promise.then(() => done('ok')).catch(e => done('error: ' + e));
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A folder holding a course copy (labs/) with lab 3 released, one submission autograded and fed back."""
    folder = tmp_path_factory.mktemp("server_root")
    (folder / "labs").mkdir()
    course = copy_course(folder / "labs")
    nbgrader(course, "generate_assignment", LAB3, "--force")
    source = nbformat.read(notebook_path(course, "source", LAB3), 4)
    release = nbformat.read(notebook_path(course, "release", LAB3), 4)
    path = notebook_path(course, "submitted", LAB3, STUDENT)
    path.parent.mkdir(parents=True)
    nbformat.write(lab3_submissions(source, release)[STUDENT], path)
    nbgrader(course, "autograde", LAB3)
    nbgrader(course, "generate_feedback", LAB3)
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium for which every host name but 127.0.0.1 fails to resolve; it logs every request."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--window-size=1280,1600",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def open_page(browser, url):
    """Opens url after dropping the logs of earlier pages."""
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def requested_urls(browser) -> list[str]:
    """Every URL the page asked for since it was opened (Chrome's performance log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def leaving(urls, local: str | None = None) -> list[str]:
    """The URLs of a network server other than the local one (file:, data: and the browser's own pages stay)."""
    return [url for url in urls if url.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")
            and not (local and url.startswith(f"{local}/"))]


def raw_tex(browser) -> list[str]:
    """Pieces of TeX left in the page's visible prose, with some context."""
    text = browser.execute_script(VISIBLE_TEXT)
    return [text[max(m.start() - 40, 0):m.end() + 40].replace("\n", " ") for m in RAW_TEX.finditer(text)]


def console_errors(browser) -> list[str]:
    """The page's console errors since it was opened."""
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(browser, path: Path):
    """Saves the visible part of the page as a PNG."""
    assert browser.save_screenshot(str(path)), f"could not save {path}"
    assert path.stat().st_size > 10_000, f"{path} looks empty"


def test_feedback_page_typesets_its_maths_from_disk_alone(graded, browser, tmp_path):
    page = graded / "labs" / "feedback" / STUDENT / LAB3 / f"{LAB3}.html"
    open_page(browser, page.as_uri())
    assert browser.execute_async_script(MATHJAX3_DONE) == "ok"
    typeset = browser.execute_script("return document.querySelectorAll('mjx-container').length")
    errors = browser.execute_script("return document.querySelectorAll('mjx-merror').length")
    assert typeset > 10 and not errors, f"{typeset} equations typeset, {errors} with TeX errors"
    assert not raw_tex(browser), f"raw TeX in the feedback's text: {raw_tex(browser)[:3]}"
    outside = leaving(requested_urls(browser))
    assert not outside, f"the feedback page asked servers for {outside[:5]}"
    summary = browser.execute_script("return document.getElementById('toc').innerText")
    assert ": passed" in summary and ": FAILED" in summary, summary
    assert ".:" not in summary, f"a full stop before a result in the summary:\n{summary}"
    assert not console_errors(browser), console_errors(browser)
    screenshot(browser, tmp_path / "feedback.png")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyter_server(graded):
    """A Jupyter server on 127.0.0.1 in the graded folder, with the repository's jupyter_server_config.py on
    JUPYTER_CONFIG_PATH as the hub starts the instructor's; yields its URL, token and log file."""
    (graded / "jupyter_server_config.py").symlink_to(ROOT / "jupyter_server_config.py")
    shutil.copy(ROOT / "nbgrader_config.py", graded / "nbgrader_config.py")
    port, token = free_port(), "offline-formgrader-test"
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(graded), JUPYTER_CONFIG_DIR=str(graded / ".jupyter"),
               JUPYTER_RUNTIME_DIR=str(graded / ".runtime"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    env.pop("JUPYTERHUB_SERVICE_PREFIX", None)
    command = [str(Path(sys.executable).parent / "jupyter"), "server", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={graded}"]
    if os.getuid() == 0:
        command.append("--allow-root")
    log = graded / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(command, cwd=graded, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, f"the Jupyter server exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"the Jupyter server did not start:\n{log.read_text()[-3000:]}"
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        yield {"url": url, "token": token, "log": log}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


MATHJAX2_DONE = "return !!(window.MathJax && MathJax.isReady && MathJax.loaded)"
GRADES_LOADED = "return !!(window.formgrader && formgrader.grades.loaded && formgrader.comments.loaded)"


def log_in(browser, url, token):
    """Signs in with the token on the server's login page, as a grader would (its cookie then serves the API)."""
    browser.get(f"{url}/login?next=%2Fapi%2Fstatus")
    browser.find_element(By.ID, "password_input").send_keys(token)
    browser.find_element(By.ID, "login_submit").click()
    WebDriverWait(browser, 30).until(lambda d: d.current_url.startswith(f"{url}/api/status"))


def test_formgrader_typesets_with_mathjax2_from_the_jupyter_server(graded, jupyter_server, browser, tmp_path):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded / 'labs' / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(LAB3, LAB3, STUDENT).id
    url, token = jupyter_server["url"], jupyter_server["token"]
    log_in(browser, url, token)
    open_page(browser, f"{url}/formgrader/submissions/{submission}/")
    server_log = lambda: jupyter_server["log"].read_text()[-3000:]  # noqa: E731
    assert browser.execute_script("return document.querySelectorAll('.nbgrader_cell').length"), \
        f"no grading view at {browser.current_url}:\n{server_log()}"
    # formgrade.js sets MathJax.loaded when MathJax 2's startup signals its end
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(MATHJAX2_DONE), "MathJax 2 did not start")
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return MathJax.Hub.queue.pending === 0"))
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(GRADES_LOADED), "the grades did not load")
    typeset = browser.execute_script("return document.querySelectorAll('.MathJax_CHTML').length")
    errors = browser.execute_script("return document.querySelectorAll('.mjx-merror, .MathJax_Error').length")
    assert typeset > 10 and not errors, f"{typeset} equations typeset, {errors} with TeX errors"
    assert not raw_tex(browser), f"raw TeX in the grading view's text: {raw_tex(browser)[:3]}"
    urls = requested_urls(browser)
    outside = leaving(urls, local=url)
    assert not outside, f"the grading view asked other servers for {outside[:5]}"
    assert any(u.startswith(f"{url}/static/MathJax.js") for u in urls), "MathJax 2 did not come from the server"
    assert not console_errors(browser), console_errors(browser)
    screenshot(browser, tmp_path / "formgrader.png")


def test_server_without_mathjax2_stops_and_names_npm_ci(tmp_path):
    """A checkout where npm has not installed MathJax 2: the server says how to get it, not a silent CDN."""
    shutil.copy(ROOT / "jupyter_server_config.py", tmp_path)  # no hub/node_modules beside this copy
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path / ".jupyter"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / ".runtime"))
    command = [str(Path(sys.executable).parent / "jupyter"), "server", "--no-browser", "--ip=127.0.0.1",
               f"--port={free_port()}", *(["--allow-root"] if os.getuid() == 0 else [])]
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "npm ci --prefix hub" in run.stderr, run.stderr[-2000:]
