"""The book's Sphinx extension: the execution cache and the pages are keyed on dlcore, MathJax is served locally."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("offline_book", ROOT / "_ext" / "offline_book.py")
offline_book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(offline_book)


def build(tmp_path, monkeypatch, package):
    """Run the extension's config hook as one build would, with ``package`` standing for dlcore."""
    monkeypatch.setattr(offline_book, "DLCORE", package)
    cache = tmp_path / "_build" / ".jupyter_cache"
    app = SimpleNamespace(outdir=str(tmp_path / "_build" / "html"))
    offline_book.clear_cache_if_dlcore_changed(app, SimpleNamespace(nb_execution_cache_path=str(cache)))
    return cache


def test_cache_survives_builds_while_dlcore_is_unchanged_and_is_cleared_when_it_changes(tmp_path, monkeypatch):
    package = tmp_path / "dlcore"
    package.mkdir()
    (package / "mlp.py").write_text("x = 1\n")
    cache = build(tmp_path, monkeypatch, package)
    cache.mkdir(parents=True)
    (cache / "executed.ipynb").write_text("{}")
    build(tmp_path, monkeypatch, package)
    assert (cache / "executed.ipynb").exists(), "an unchanged dlcore must keep the executed notebooks"
    (package / "mlp.py").write_text("x = 2\n")
    build(tmp_path, monkeypatch, package)
    assert not cache.exists(), "a change to dlcore must clear the cache, so that every chapter runs again"


def test_every_page_is_read_again_when_dlcore_differs_from_the_environments(tmp_path, monkeypatch):
    package = tmp_path / "dlcore"
    package.mkdir()
    (package / "mlp.py").write_text("x = 1\n")
    monkeypatch.setattr(offline_book, "DLCORE", package)
    env = SimpleNamespace(found_docs={"intro", "chapters/01_logistic_regression"})
    reread = offline_book.reread_all_if_dlcore_changed
    assert reread(None, env, set(), set(), set()) == env.found_docs, "a new environment must read every page"
    assert reread(None, env, set(), set(), set()) == set(), "an unchanged dlcore must leave unchanged pages alone"
    (package / "mlp.py").write_text("x = 2\n")
    assert reread(None, env, set(), set(), set()) == env.found_docs, "a change to dlcore must read every page again"


def test_mathjax_path_points_into_the_book():
    config = SimpleNamespace(mathjax_path="https://cdn.example/mathjax.js")
    offline_book.use_local_mathjax(None, config)
    assert config.mathjax_path == "mathjax/tex-chtml.js"
    assert (offline_book.MATHJAX_ES5 / "tex-chtml.js").exists()


def test_a_page_that_names_another_wheel_of_dlcore_fails_the_build(tmp_path, monkeypatch):
    shipped = offline_book.dlcore_wheel_name()
    pages = {"guide/students": f"install ./{shipped}[labs]", "guide/old": "install ./dlcore-0.0.1-py3-none-any.whl"}
    for name, text in pages.items():
        (tmp_path / f"{name.replace('/', '_')}.md").write_text(text)
    env = SimpleNamespace(found_docs=set(pages), doc2path=lambda name: tmp_path / f"{name.replace('/', '_')}.md")
    warnings = []
    monkeypatch.setattr(offline_book, "logger", SimpleNamespace(warning=lambda message, **kw: warnings.append(message)))
    offline_book.check_wheel_names(None, env)
    assert len(warnings) == 1 and "guide/old names dlcore-0.0.1-py3-none-any.whl" in warnings[0]
