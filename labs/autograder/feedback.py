"""The feedback pages' maths, typeset without a network (``c.GenerateFeedback.preprocessors``).

Students open their feedback from their home on the hub, from disk or from an LMS, so the page carries
MathJax 3 itself: ``InlineMathJax`` puts the script of the pinned ``django-static-mathjax`` package in the
resources, and ``templates/course_feedback`` writes it into the page. The ``-full`` build holds every TeX
extension, so no macro makes MathJax fetch one from the web; its SVG output needs no font files.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


@functools.cache
def mathjax_script() -> str:
    """MathJax 3 (TeX in, SVG out) as the text of a ``<script>`` element."""
    try:
        import mathjax
    except ImportError as error:
        raise RuntimeError("the feedback pages inline MathJax 3 from the django-static-mathjax package: "
                           "install the course's requirements (make setup)") from error
    script = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    # nothing in the script may end its <script> element early
    return re.sub(r"</(script)", r"<\\/\1", script.read_text(encoding="utf-8"), flags=re.IGNORECASE)


class InlineMathJax(Preprocessor):
    """Puts MathJax 3's script in ``resources["mathjax_script"]`` for the feedback template to inline."""

    enabled = Bool(True, help="Whether the feedback page carries MathJax 3.").tag(config=True)

    def preprocess(self, nb, resources):
        resources["mathjax_script"] = mathjax_script()
        return nb, resources
