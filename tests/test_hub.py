"""The course on its JupyterHub, used as a class uses it: ``make hub`` with a real JupyterHub and proxy on
127.0.0.1, a system account per student of a roster, and headless Chromium for each person.

The instructor releases lab 3 from the formgrader; a student fetches it from the Assignments tab, answers
it (through the Jupyter contents API, as the editor saves), validates and submits it; the instructor
collects it, autogrades it (the code ``make autograde`` runs), generates and releases feedback; the student
fetches the feedback and reads the score. Fetching again leaves the student's work alone. A screenshot of
each step is kept in ``_build/screenshots/hub/``.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from test_labs import ROOT, copy_course

sys.path.insert(0, str(ROOT / "bench"))

from synthetic_class import filled  # noqa: E402

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="make hub makes system accounts: it runs as root"),
    pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()), reason="needs Chromium"),
]
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

REDRAWN = (NoSuchElementException, StaleElementReferenceException)  # JupyterLab redraws lists as they load

LAB = "lab3_backpropagation"
STUDENTS = ("dnnhubada", "dnnhubalan")
SHOTS = ROOT / "_build" / "screenshots" / "hub"
TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")  # colours, titles, bracketed paste


@dataclass
class Hub:
    url: str
    folder: Path
    course: Path
    exchange: Path
    class_password: str
    admin_password: str
    log: Path


def free_ports(count: int) -> int:
    """A first port of ``count`` consecutive free ports on 127.0.0.1 (the hub, its proxy's API, the hub's API)."""
    for first in range(20000 + os.getpid() % 20000, 60000, 7):
        try:
            for port in range(first, first + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError("no free ports")


def wait_for(what: str, check, seconds: float = 120, process=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"make hub exited while waiting for {what}")
        try:
            value = check()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def remove_account(name: str) -> None:
    """Remove a test student's account and home, once none of its processes is left."""
    if not _account_exists(name):
        return
    for _ in range(100):
        if subprocess.run(["pkill", "-KILL", "-u", name]).returncode == 1:  # no process left
            break
        time.sleep(0.1)
    subprocess.run(["userdel", "--remove", name], check=True, capture_output=True)


@pytest.fixture(scope="module")
def hub():
    """``make hub`` on a copy of the course, a roster of two new accounts and an exchange of its own."""
    folder = Path(tempfile.mkdtemp(prefix="dnn-hub-"))
    folder.chmod(0o755)  # the students' servers reach the exchange inside it
    (folder / "labs").mkdir()
    course = copy_course(folder / "labs")
    roster = folder / "roster.csv"
    roster.write_text("id,name,email\n" + "".join(f"{s},Student {s},{s}@example.org\n" for s in STUDENTS))
    for name in STUDENTS:  # test accounts only: a fresh home for each run
        remove_account(name)
    port = free_ports(3)
    log = folder / "hub.log"
    make = subprocess.Popen(
        ["make", "-s", "hub", f"HUB_PORT={port}", f"ROSTER={roster}", f"HUB_STATE={folder / 'state'}",
         f"NBGRADER_EXCHANGE={folder / 'exchange'}", f"COURSE={course}"],
        cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for("the hub's API", lambda: urllib.request.urlopen(f"{url}/hub/api/", timeout=2).status == 200,
                 seconds=600, process=make)
        yield Hub(url, folder, course, folder / "exchange", (folder / "state" / "class_password").read_text().strip(),
                  (folder / "state" / "admin_password").read_text().strip(), log)
    finally:
        os.killpg(make.pid, signal.SIGTERM)  # JupyterHub stops every user's server and its proxy as it exits
        make.wait(60)
        if not _group_ended(make.pid, seconds=60):  # make ends first; the hub, its proxy and servers may linger
            os.killpg(make.pid, signal.SIGKILL)
        for name in STUDENTS:
            remove_account(name)
        shutil.rmtree(folder, ignore_errors=True)


def _group_ended(group: int, seconds: float) -> bool:
    """Whether every process of a process group has exited within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _account_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def browsers():
    """A fresh headless Chromium per person, with no network but localhost."""
    opened = []

    def open_browser():
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-quic", "--window-size=1280,900", f"--user-data-dir={tempfile.mkdtemp()}",
                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
        driver.set_script_timeout(120)
        opened.append(driver)
        return driver

    yield open_browser
    for driver in opened:
        driver.quit()


def shot(browser, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SHOTS / f"{name}.png")), f"could not save {name}.png"


def sign_in(browser, hub: Hub, user: str, password: str) -> None:
    """Sign in on the hub's page; the user's JupyterLab opens."""
    browser.get(f"{hub.url}/hub/login")
    browser.find_element(By.ID, "username_input").send_keys(user)
    browser.find_element(By.ID, "password_input").send_keys(password)
    browser.find_element(By.ID, "login_submit").click()
    WebDriverWait(browser, 180, ignored_exceptions=REDRAWN).until(lambda b: f"/user/{user}/lab" in b.current_url)
    WebDriverWait(browser, 120, ignored_exceptions=REDRAWN).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel"))


def open_assignments(browser) -> None:
    """Nbgrader > Assignment List, from JupyterLab's menu bar."""
    menu = WebDriverWait(browser, 60, ignored_exceptions=REDRAWN).until(lambda b: [m for m in b.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel")
                                                       if m.text == "Nbgrader"])
    menu[0].click()
    item = WebDriverWait(browser, 30, ignored_exceptions=REDRAWN).until(lambda b: [i for i in b.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel")
                                                       if i.text == "Assignment List"])
    item[0].click()


ROW = """
const [listing, lab, label] = arguments;
const row = [...document.querySelectorAll(`#${listing}_assignments_list .list_item`)]
    .find(item => item.innerText.includes(lab));
if (!row) return null;
if (!label) return row.innerText;
const button = [...row.querySelectorAll('button')].find(b => b.innerText.trim() === label && !b.disabled);
if (!button) return null;
button.click();
return row.innerText;
"""


def list_item(browser, listing: str, seconds: float = 120) -> str:
    """The text of lab 3's row in one of the Assignments tab's lists (released, fetched, submitted), once it is
    there (read in the page: the lists are redrawn while they load)."""
    return WebDriverWait(browser, seconds, ignored_exceptions=REDRAWN).until(lambda b: b.execute_script(ROW, listing, LAB, None))


def click_button(browser, listing: str, label: str, seconds: float = 120) -> None:
    """Press the button ``label`` in lab 3's row of a list, once the row shows it."""
    WebDriverWait(browser, seconds, ignored_exceptions=REDRAWN).until(lambda b: b.execute_script(ROW, listing, LAB, label))


def api(browser, user: str, method: str, path: str, body=None):
    """A request to the user's Jupyter server from their page (their cookie, their XSRF token)."""
    return browser.execute_async_script("""
        const [user, method, path, body, done] = arguments;
        const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1];
        fetch(`/user/${user}/${path}`, {method, body, headers: {'X-XSRFToken': xsrf,
              'Content-Type': 'application/json'}})
          .then(async r => done({status: r.status, text: await r.text()}), e => done({status: 0, text: String(e)}));
    """, user, method, path, None if body is None else json.dumps(body))


def modal_text(browser) -> str:
    body = WebDriverWait(browser, 300, ignored_exceptions=REDRAWN).until(
        lambda b: next((m for m in b.find_elements(By.CSS_SELECTOR, ".modal-body") if m.is_displayed() and m.text), None))
    return body.text


def close_modal(browser) -> None:
    for button in browser.find_elements(By.CSS_SELECTOR, ".modal-footer button"):
        if button.is_displayed():
            button.click()
    WebDriverWait(browser, 30, ignored_exceptions=REDRAWN).until(lambda b: not any(m.is_displayed() for m in b.find_elements(By.CSS_SELECTOR, ".modal")))


def formgrader_action(browser, hub: Hub, column: str) -> str:
    """Press lab 3's button in one column of the formgrader's *Manage Assignments*; the dialog's message."""
    browser.get(f"{hub.url}/user/instructor/formgrader/manage_assignments")
    row = WebDriverWait(browser, 60, ignored_exceptions=REDRAWN).until(lambda b: b.find_element(By.CSS_SELECTOR, f"tr:has(td[data-order={LAB}])"))
    WebDriverWait(browser, 30, ignored_exceptions=REDRAWN).until(lambda b: row.find_elements(By.CSS_SELECTOR, f"td.{column} a"))[0].click()
    text = modal_text(browser)
    return text


def answers(hub: Hub, fetched: dict) -> dict:
    """The fetched notebook with the solution's code in every answer cell (a student who got it right)."""
    release = nbformat.from_dict(fetched)
    source = nbformat.read(hub.course / "source" / LAB / f"{LAB}.ipynb", as_version=4)
    return filled(release, source)


def test_a_class_on_the_hub_from_release_to_feedback(hub, browsers):
    instructor, student = browsers(), browsers()
    user = STUDENTS[0]

    # The instructor makes the student version and releases it to the exchange, from the formgrader.
    sign_in(instructor, hub, "instructor", hub.admin_password)
    assert "Successfully created" in formgrader_action(instructor, hub, "assign")
    close_modal(instructor)
    assert "Successfully released" in formgrader_action(instructor, hub, "release")
    shot(instructor, "01-instructor-released")
    close_modal(instructor)

    # The student sees lab 3 in the Assignments tab and fetches it into their own home.
    sign_in(student, hub, user, hub.class_password)
    open_assignments(student)
    list_item(student, "released")
    shot(student, "02-student-assignments")
    click_button(student, "released", "Fetch")
    list_item(student, "fetched")
    home = Path(pwd.getpwnam(user).pw_dir)
    notebook = home / LAB / f"{LAB}.ipynb"
    assert notebook.exists() and notebook.stat().st_uid == pwd.getpwnam(user).pw_uid, "fetched into the student's home"
    shot(student, "03-student-fetched")

    # Their answers go in through the contents API; fetching again never overwrites them.
    reply = api(student, user, "GET", f"api/contents/{LAB}/{LAB}.ipynb?content=1")
    assert reply["status"] == 200, reply
    answered = answers(hub, json.loads(reply["text"])["content"])
    reply = api(student, user, "PUT", f"api/contents/{LAB}/{LAB}.ipynb",
                {"type": "notebook", "format": "json", "content": answered})
    assert reply["status"] == 200, reply
    saved = notebook.read_bytes()
    reply = api(student, user, "POST", f"assignments/fetch?course_id=dnn-course&assignment_id={LAB}")
    assert reply["status"] == 200, reply
    assert notebook.read_bytes() == saved, "a second fetch changed the student's notebook"

    # Validate, then Submit, from the Assignments tab.
    student.refresh()
    WebDriverWait(student, 120, ignored_exceptions=REDRAWN).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel"))
    open_assignments(student)
    list_item(student, "fetched")
    student.execute_script(  # unfold the lab: a line per notebook, with its Validate button
        "document.querySelector('#fetched_assignments_list .list_item a, #fetched_assignments_list .item_name span')"
        ".click()")
    validate = WebDriverWait(student, 60, ignored_exceptions=REDRAWN).until(
        lambda b: next((x for x in b.find_elements(By.TAG_NAME, "button") if x.text == "Validate"), None))
    validate.click()
    dialog = WebDriverWait(student, 300, ignored_exceptions=REDRAWN).until(
        lambda b: next((d for d in b.find_elements(By.CSS_SELECTOR, ".jp-Dialog") if d.text), None))
    assert "Success! Your notebook passes all the tests." in dialog.text, dialog.text
    shot(student, "04-student-validated")
    dialog.find_element(By.CSS_SELECTOR, ".jp-Dialog-button").click()
    click_button(student, "fetched", "Submit")
    submitted = list_item(student, "submitted")
    shot(student, "05-student-submitted")
    assert re.search(r"\d{4}-\d\d-\d\d", submitted), submitted

    # The instructor collects, autogrades (the code `make autograde` runs), makes and releases feedback.
    assert "Successfully collected" in formgrader_action(instructor, hub, "collect")
    close_modal(instructor)
    graded = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "labs" / "autograde.py"),
                             "--course", str(hub.course), "--lab", LAB], capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert user in graded.stdout, graded.stdout
    assert "Successfully generated feedback" in formgrader_action(instructor, hub, "generate-feedback")
    close_modal(instructor)
    assert "Successfully released feedback" in formgrader_action(instructor, hub, "release-feedback")
    shot(instructor, "06-instructor-feedback-released")
    close_modal(instructor)

    # The student fetches the feedback and reads their score.
    student.refresh()
    WebDriverWait(student, 120, ignored_exceptions=REDRAWN).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel"))
    open_assignments(student)
    click_button(student, "submitted", "Fetch Feedback")
    WebDriverWait(student, 120, ignored_exceptions=REDRAWN).until(lambda b: "view feedback" in list_item(b, "submitted"))
    shot(student, "07-student-feedback-fetched")
    pages = sorted((home / LAB / "feedback").rglob(f"{LAB}.html"))
    assert pages, "no feedback page in the student's home"
    student.get(f"{hub.url}/user/{user}/files/{pages[0].relative_to(home)}")
    body = WebDriverWait(student, 60, ignored_exceptions=REDRAWN).until(lambda b: b.find_element(By.TAG_NAME, "body").text)
    points = sum(float(c.metadata.nbgrader["points"]) for c in nbformat.read(
        hub.course / "source" / LAB / f"{LAB}.ipynb", 4).cells if c.metadata.get("nbgrader", {}).get("grade"))
    assert re.search(rf"Score: {points:g}(\.0)? / {points:g}(\.0)?", body), body[:400]
    shot(student, "08-student-reads-feedback")


def terminal(browser, user: str, command: str) -> str:
    """What ``command`` prints in a new terminal of the user's JupyterLab (a real shell, over its websocket)."""
    out = browser.execute_async_script("""
        const [user, command, done] = arguments;
        (async () => {
        const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1];
        const reply = await fetch(`/user/${user}/api/terminals`, {method: 'POST', headers: {'X-XSRFToken': xsrf}});
        const name = (await reply.json()).name;
        const socket = new WebSocket(`ws://${location.host}/user/${user}/terminals/websocket/${name}`);
        let out = '';
        socket.onmessage = event => {
            const [kind, text] = JSON.parse(event.data);
            if (kind === 'stdout') out += text;
            if (out.includes('END-OF-COMMAND\\r\\n')) { socket.close(); done(out); }
        };
        socket.onopen = () => socket.send(JSON.stringify(['stdin', command + '; echo END-OF-COMMAND""\\r']));
        setTimeout(() => done(out), 60000);
        })();
    """, user, command)
    return TERMINAL_CODES.sub("", out).replace("\r", "")


def test_the_guides_commands_work_in_a_hub_terminal(hub, browsers):
    """A student's terminal finds nbgrader and dlcore; the instructor's opens in the course with its tools."""
    student, instructor = browsers(), browsers()
    user = STUDENTS[1]
    sign_in(student, hub, user, hub.class_password)
    out = terminal(student, user, "nbgrader --version && python -c 'import dlcore; print(\"dlcore\", dlcore.__version__)' && whoami")
    assert "dlcore 0.2" in out and re.search(rf"^{user}$", out, re.M), out
    sign_in(instructor, hub, "instructor", hub.admin_password)
    out = terminal(instructor, "instructor", "pwd && cd labs && nbgrader generate_assignment "
                   f"{LAB} --force --log-level=ERROR && nbgrader db assignment list")
    assert re.search(rf"^{re.escape(str(hub.course.parent))}$", out, re.M), f"not started in the checkout: {out}"
    assert LAB in out, out


def test_release_and_book_never_touch_a_students_fetched_copy(hub, browsers):
    """A student's lab lives in their home: remaking the student versions and the book leaves it as it is, and so
    does fetching again, with the students' guide's command in a terminal of the hub."""
    student = browsers()
    user = STUDENTS[1]
    fetch = f"nbgrader fetch_assignment {LAB} --course dnn-course"
    sign_in(student, hub, user, hub.class_password)
    out = terminal(student, user, fetch)
    notebook = Path(pwd.getpwnam(user).pw_dir) / LAB / f"{LAB}.ipynb"
    assert notebook.exists(), f"lab 3 was not fetched (the first test releases it): {out}"
    work = nbformat.read(notebook, 4)
    work.cells.append(nbformat.v4.new_markdown_cell("my own notes"))
    reply = api(student, user, "PUT", f"api/contents/{LAB}/{LAB}.ipynb",
                {"type": "notebook", "format": "json", "content": work})
    assert reply["status"] == 200, reply
    before = (notebook.read_bytes(), notebook.stat().st_mtime_ns)
    for target in ("release", "book"):
        made = subprocess.run(["make", "-s", target], cwd=ROOT, capture_output=True, text=True, timeout=1800)
        assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    out = terminal(student, user, f"{fetch}; cd {LAB} && nbgrader validate {LAB}.ipynb")
    assert (notebook.read_bytes(), notebook.stat().st_mtime_ns) == before, "the student's lab was changed"
    assert "my own notes" in notebook.read_text()
    assert "VALIDATION FAILED" in out, f"validating an unanswered lab in the terminal must list its failures: {out}"


def test_lab4_written_answers_are_graded_in_the_formgrader(hub, browsers):
    """The instructor gives points and a comment to lab 4's written answers in the formgrader's grading view;
    the gradebook keeps them."""
    lab, student = "lab4_deep_networks", STUDENTS[0]
    nbgrader = str(ROOT / ".venv" / "bin" / "nbgrader")
    subprocess.run([nbgrader, "generate_assignment", lab, "--force", "--log-level=ERROR"], cwd=hub.course, check=True)
    release = nbformat.read(hub.course / "release" / lab / f"{lab}.ipynb", 4)
    source = nbformat.read(hub.course / "source" / lab / f"{lab}.ipynb", 4)
    submitted = hub.course / "submitted" / student / lab
    submitted.mkdir(parents=True)
    answered = filled(release, source)
    for cell in answered.cells:  # a student's answers carry no solution markers
        cell.source = "\n".join(line for line in cell.source.splitlines() if "### BEGIN SOLUTION" not in line
                                and "### END SOLUTION" not in line)
    nbformat.write(answered, submitted / f"{lab}.ipynb")
    graded = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "labs" / "autograde.py"), "--course",
                             str(hub.course), "--lab", lab], capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gradebook:
        notebook_id = gradebook.find_submission_notebook(lab, lab, student).id

    instructor = browsers()
    sign_in(instructor, hub, "instructor", hub.admin_password)
    instructor.get(f"{hub.url}/user/instructor/formgrader/submissions/{notebook_id}/")
    given = {"answer_vanishing": 1.5, "answer_gpu": 2}
    for grade_id, points in given.items():
        box = WebDriverWait(instructor, 60, ignored_exceptions=REDRAWN).until(lambda b: b.find_element(By.CSS_SELECTOR, f"input.score#{grade_id}"))
        box.clear()
        box.send_keys(str(points), "\t")  # the formgrader saves a score when its box loses focus
    comment = instructor.find_element(By.CSS_SELECTOR, "textarea#answer_gpu-comment")
    comment.send_keys("Name the memory bandwidth as well.", "\t")
    shot(instructor, "09-instructor-grades-lab4-by-hand")

    def recorded():
        with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gradebook:
            scores = {g: gradebook.find_grade(g, lab, lab, student).manual_score for g in given}
            note = gradebook.find_comment("answer_gpu", lab, lab, student).manual_comment
        return scores == given and note == "Name the memory bandwidth as well."
    wait_for("the formgrader to save the scores and the comment", recorded, seconds=60)
