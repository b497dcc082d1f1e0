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
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import mathjax

MATHJAX_ES5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
# tex-chtml.js bundles the TeX input and HTML output; these are what it loads on demand
MATHJAX_PARTS = ["tex-chtml.js", "output/chtml", "input/tex/extensions", "a11y", "ui", "adaptors"]
DLCORE = Path(__file__).resolve().parents[1] / "dlcore"


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
    app.connect("html-page-context", drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
