"""Build the course site: the README's overview and results, then the eleven student lessons, as a Jupyter Book.

    python site/build.py                  # execute the lessons, cached in site/_build/.jupyter_cache
    python site/build.py --notebooks DIR  # publish the notebooks in DIR as they are (already executed)

The book is assembled in OUT/_build/source and written to OUT/_build/html (OUT is site/ unless --out).
lessons/ is only read: the book gets copies of the student notebooks, never solutions/.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

import yaml

from neurokit.course import BRANCH, REPOSITORY

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent

README_SECTIONS = ["## Lessons", "### Results", "## Experiments"]


def write_if_changed(path: Path, data: bytes) -> None:
    """Write only what changed, so Sphinx rebuilds only the pages whose source did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def readme_section(readme: str, heading: str) -> str:
    """The README's section under `heading`, down to the next heading of the same or a higher level."""
    lines = readme.splitlines()
    start, depth, in_code = lines.index(heading), heading.index(" "), False
    for end in range(start + 1, len(lines)):
        in_code ^= lines[end].startswith("```")
        marks = lines[end].split(" ", 1)[0]
        if not in_code and marks and set(marks) == {"#"} and len(marks) <= depth:
            return "\n".join(lines[start:end]).strip()
    return "\n".join(lines[start:]).strip()


def intro_page(readme: str) -> str:
    """The README's title and first paragraphs, its Lessons section, its Results (as a chapter) and its Experiments."""
    overview = readme.split("\n## ", 1)[0].strip()
    sections = [readme_section(readme, heading) for heading in README_SECTIONS]
    sections = [re.sub(r"^### ", "## ", section) for section in sections]  # Results becomes a chapter
    return "\n\n".join([overview, *sections]) + "\n"


def config(execute: str) -> dict:
    """site/_config.yml plus the title, the repository and how to execute."""
    settings = yaml.safe_load((SITE / "_config.yml").read_text())
    settings["title"] = (ROOT / "README.md").read_text().splitlines()[0].removeprefix("# ")
    settings["repository"].update(url=REPOSITORY, branch=BRANCH)
    settings["execute"]["execute_notebooks"] = execute
    return settings


def assemble(source: Path, notebooks: Path, execute: str) -> None:
    """Write the book's source: config, table of contents, intro page, the README's figures and the lessons."""
    readme = (ROOT / "README.md").read_text()
    write_if_changed(source / "_config.yml", yaml.safe_dump(config(execute), sort_keys=False).encode())
    write_if_changed(source / "_toc.yml", (SITE / "_toc.yml").read_bytes())
    page = intro_page(readme)
    write_if_changed(source / "index.md", page.encode())
    for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", page):
        if not image.startswith("http"):
            write_if_changed(source / image, (ROOT / image).read_bytes())
    wanted = {path.name for path in notebooks.glob("*.ipynb")}
    for stale in (source / "lessons").glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
    for name in sorted(wanted):
        write_if_changed(source / "lessons" / name, (notebooks / name).read_bytes())


def build(out: Path = SITE, notebooks: Path | None = None) -> Path:
    """Build the site into out/_build/html and return that folder.

    Without `notebooks`, the lessons are executed (and cached); with it, the notebooks there are used as they are."""
    source = out / "_build" / "source"
    assemble(source, notebooks or ROOT / "lessons", "off" if notebooks else "cache")
    subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(source), "--path-output", str(out)], check=True)
    return out / "_build" / "html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebooks", type=Path, help="folder of executed lessons to publish as they are (no execution)")
    parser.add_argument("--out", type=Path, default=SITE, help="the site goes to OUT/_build/html (default: site/)")
    arguments = parser.parse_args()
    print(f"site: {build(arguments.out.resolve(), arguments.notebooks and arguments.notebooks.resolve())}/index.html")


if __name__ == "__main__":
    main()
