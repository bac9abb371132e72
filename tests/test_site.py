"""The course site (`make site`): every lesson page with its figures, launch links, search box and table of contents;
no internal link that leads nowhere.

The site is built from the lessons this session has already executed (the `executed_lessons` fixture), with the
book's own execution off, so the build takes seconds."""

import html
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from autograder import lessons

NAMES = lessons.lesson_names()
BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "site" / "build.py"
LAUNCH_LINKS = ["https://colab.research.google.com/", "https://kaggle.com/kernels/", "https://mybinder.org/v2/"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory, executed_lessons) -> Path:
    """The built site's html folder; the build's own output must hold no warning."""
    notebooks = tmp_path_factory.mktemp("executed")
    for name in NAMES:
        nbformat.write(executed_lessons[name][0], notebooks / f"{name}.ipynb")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run([sys.executable, str(BUILD_SCRIPT), "--notebooks", str(notebooks), "--out", str(out)],
                            capture_output=True, text=True)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "WARNING" not in log, "\n".join(line for line in log.splitlines() if "WARNING" in line)
    return out / "_build" / "html"


def pages(site: Path) -> list[Path]:
    return sorted(path for path in site.rglob("*.html") if "_static" not in path.parts)


def links(page: Path) -> list[str]:
    return [html.unescape(link) for link in re.findall(r'(?:href|src)="([^"]*)"', page.read_text())]


def target(page: Path, link: str) -> Path:
    """The file a link without a scheme points to, relative to its page ("#..." is the page itself)."""
    path = urlsplit(link).path
    return (page.parent / path).resolve() if path else page.resolve()


def test_the_site_has_the_intro_and_one_page_per_lesson(site):
    assert (site / "index.html").is_file()
    assert sorted(path.stem for path in (site / "lessons").glob("*.html")) == NAMES
    intro = (site / "index.html").read_text()
    assert "Results" in intro and re.search(r'<img[^>]+src="_images/', intro), "the README's results and figures"


@pytest.mark.parametrize("name", NAMES)
def test_a_lesson_page_shows_its_figures_launch_links_search_and_table_of_contents(site, name):
    page = site / "lessons" / f"{name}.html"
    text = page.read_text()
    assert re.search(r'<img[^>]+src="\.\./_images/[^"]+\.png"', text), "no figure drawn by the executed lesson"
    for launch in LAUNCH_LINKS:
        assert f'href="{launch}' in text, f"no {launch} link"
    assert re.search(r'<form class="bd-search[^>]*\s+action="\.\./search\.html"', text), "no search box"
    nav = re.search(r'<nav class="bd-links bd-docs-nav".*?</nav>', text, re.S).group(0)
    listed = {target(page, link).stem for link in re.findall(r'href="([^"]*)"', nav)}
    assert set(NAMES) <= listed, f"the table of contents lacks {sorted(set(NAMES) - listed)}"


def test_every_internal_link_points_to_a_file_in_the_site(site):
    broken = {f"{page.relative_to(site)}: {link}"
              for page in pages(site) for link in links(page)
              if not urlsplit(link).scheme and not link.startswith("//") and not target(page, link).exists()}
    assert broken == set()
