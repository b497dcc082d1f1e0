"""Sphinx extension: the book laid out for reading, on a wide screen and on a phone.

* ``reading/reading.css``: on a narrow screen nothing makes the page scroll sideways: long inline
  code, paths and API signatures wrap, headings wrap, the general index stacks its columns, and a
  display equation wider than the screen scrolls inside its own box.
* ``reading/search_snippets.js``: a search result's snippet is taken from the page's text, not from
  its header buttons (".ipynb", ".pdf") or its table of contents, with code and display maths left
  out and inline maths shown without its TeX delimiters.

tests/test_browser.py checks both in Chromium at 1280 px and at 400 px.
"""

from pathlib import Path

STATIC = Path(__file__).parent / "reading"


def add_static_path(app) -> None:
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("builder-inited", add_static_path)
    app.add_css_file("reading.css")
    app.add_js_file("search_snippets.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
