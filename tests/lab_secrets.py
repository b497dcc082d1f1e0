"""What a student must never see of a lab: its solutions and its hidden tests."""

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted(p.name for p in (ROOT / "labs" / "source").iterdir() if p.is_dir())
SECRET = re.compile(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END (?:SOLUTION|HIDDEN TESTS)", re.S)


def hidden_and_solution_lines(lab) -> list[str]:
    """Lines of the source that a student must never see: those only in solutions and hidden tests."""
    sources = [cell.source for cell in nbformat.read(ROOT / "labs" / "source" / lab / f"{lab}.ipynb", 4).cells]
    public = "\n".join(SECRET.sub("", source) for source in sources)
    return [line.strip() for source in sources for region in SECRET.findall(source) for line in region.splitlines()
            if len(line.strip()) > 25 and line.strip() not in public]


