"""The instructor's Jupyter server: the formgrader typesets maths with MathJax 2 served by this server.

nbgrader's grading view (the formgrader) runs MathJax 2, which nbconvert asks a CDN for. Here the server
serves the copy npm installs (``npm ci --prefix hub``, part of ``make setup``) under its ``static/`` URL,
and the formgrader's exporter (the course's ``course_formgrade`` template) loads it from there, so
grading needs no network. Jupyter reads this file from a folder on ``JUPYTER_CONFIG_PATH``: the course's
hub puts the repository there for the instructor's server.
"""

import os
from pathlib import Path

MATHJAX = Path(__file__).resolve().parent / "hub" / "node_modules" / "mathjax"

if not (MATHJAX / "MathJax.js").is_file():
    raise SystemExit(f"MathJax 2 for the formgrader is missing ({MATHJAX}): run `npm ci --prefix hub` "
                     "(make setup does) in the repository")

c = get_config()  # noqa: F821 - provided by Jupyter when it loads this file

c.ServerApp.extra_static_paths = [str(MATHJAX)]
# The server's base URL: JupyterHub's prefix for a server it spawns, else the root
BASE_URL = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
c.HTMLExporter.mathjax_url = f"{BASE_URL.rstrip('/')}/static/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
