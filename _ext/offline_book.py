"""Sphinx extension: a book that reads offline and re-executes when dlcore changes.

* MathJax is served from the book itself (the MathJax 3 files that the ``django-static-mathjax``
  package ships), not from a CDN, so equations render without a network.
* The book is keyed on the content of ``dlcore``, which the chapters import but Sphinx does not
  see: when any of its files changes, every chapter runs again and every page is rendered again.
  Two records hold the fingerprint, because two things go stale. The jupyter-cache keeps executed
  notebooks by their code cells alone, so it is cleared when the stamp beside it differs. Sphinx's
  environment keeps a notebook's page until the .ipynb file changes, so the fingerprint is also
  stored in the environment, and when it differs every page is read (and so executed) again.
* Each script is included once: sphinx-thebe adds its inline configuration twice, and the second
  ``const`` declaration is a console error on every page.
* The book ships dlcore: the build puts ``dlcore-<version>-py3-none-any.whl`` into ``_static/``, where
  the students' page links it, so a student on their own machine installs what the labs need with
  one ``pip install`` of that wheel with its ``labs`` extra. It is built offline, without build
  isolation, from a copy of the package's files (so the repository gets no ``build/`` folder), and
  a page that names another wheel of dlcore than the one built fails the build.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import mathjax
from sphinx.util import logging

MATHJAX_ES5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
# tex-chtml.js bundles the TeX input and HTML output; these are what it loads on demand
MATHJAX_PARTS = ["tex-chtml.js", "output/chtml", "input/tex/extensions", "a11y", "ui", "adaptors"]
ROOT = Path(__file__).resolve().parents[1]
DLCORE = ROOT / "dlcore"
# what the wheel is built from: the package metadata, the readme it names, and the package
WHEEL_INPUTS = ["pyproject.toml", "README.md", "dlcore"]
WHEEL_NAMED = re.compile(r"dlcore-[^-/\s\"'`\[\]]+-py3-none-any\.whl")

logger = logging.getLogger(__name__)


def dlcore_fingerprint() -> str:
    """SHA-256 over the names and contents of dlcore's Python files."""
    digest = hashlib.sha256()
    for path in sorted(DLCORE.rglob("*.py")):
        digest.update(str(path.relative_to(DLCORE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def clear_cache_if_dlcore_changed(app, config) -> None:
    """Empty the execution cache when dlcore differs from the last build's (on ``config-inited``)."""
    cache = Path(config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
    stamp = cache.parent / ".dlcore-fingerprint"
    fingerprint = dlcore_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    shutil.rmtree(cache, ignore_errors=True)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)


def reread_all_if_dlcore_changed(app, env, added, changed, removed) -> set[str]:
    """Every page to read again when dlcore differs from the environment's (on ``env-get-outdated``).

    The fingerprint is kept in the pickled environment, so a build stopped while reading leaves the
    old one there and the next build reads every page again.
    """
    fingerprint = dlcore_fingerprint()
    if getattr(env, "dlcore_fingerprint", None) == fingerprint:
        return set()
    env.dlcore_fingerprint = fingerprint
    return set(env.found_docs)


def use_local_mathjax(app, config) -> None:
    config.mathjax_path = "mathjax/tex-chtml.js"


def copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        source = MATHJAX_ES5 / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)


def dlcore_wheel_name(root: Path = ROOT) -> str:
    """The file name of dlcore's wheel, from the version in ``pyproject.toml``."""
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    return f"dlcore-{version}-py3-none-any.whl"


def build_dlcore_wheel(outdir: Path, root: Path = ROOT) -> Path:
    """Build dlcore's wheel into ``outdir`` and return its path.

    Runs ``pip wheel --no-deps --no-build-isolation --no-index`` with this interpreter (so offline,
    with the setuptools installed here) on a temporary copy of ``WHEEL_INPUTS``; an existing wheel of
    the same name is replaced.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dlcore-wheel-") as tmp:
        source, built = Path(tmp) / "source", Path(tmp) / "wheel"
        source.mkdir()
        for name in WHEEL_INPUTS:
            if (root / name).is_dir():
                shutil.copytree(root / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(root / name, source / name)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                   "--disable-pip-version-check", "--quiet", "--wheel-dir", str(built), str(source)]
        result = subprocess.run(command, capture_output=True, text=True)
        wheel = built / dlcore_wheel_name(root)
        if result.returncode != 0 or not wheel.exists():
            raise RuntimeError(f"building dlcore's wheel failed ({' '.join(command)}):\n"
                               f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        target = outdir / wheel.name
        shutil.move(wheel, target.with_suffix(".tmp"))
        target.with_suffix(".tmp").replace(target)
    return target


def check_wheel_names(app, env) -> None:
    """Warn (an error under ``-W``) where a page names a wheel of dlcore that the build does not make.

    Runs on every build (``env-check-consistency``) over every page's source, read or not, so that a
    new version in ``pyproject.toml`` fails the build until the pages name its wheel.
    """
    expected = dlcore_wheel_name()
    for docname in sorted(env.found_docs):
        text = Path(env.doc2path(docname)).read_text(encoding="utf-8", errors="replace")
        for named in sorted(set(WHEEL_NAMED.findall(text)) - {expected}):
            logger.warning(f"{docname} names {named}, but the book ships {expected} (the version in pyproject.toml)",
                           location=docname)


def ship_dlcore_wheel(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    build_dlcore_wheel(Path(app.outdir) / "_static")


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    unique, seen = [], set()
    for script in context.get("script_files", []):
        key = (str(getattr(script, "filename", script) or ""), str(getattr(script, "attributes", {}).get("body")))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("config-inited", use_local_mathjax)
    app.connect("config-inited", clear_cache_if_dlcore_changed)
    app.connect("env-get-outdated", reread_all_if_dlcore_changed)
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", ship_dlcore_wheel)
    app.connect("env-check-consistency", check_wheel_names)
    app.connect("html-page-context", drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
