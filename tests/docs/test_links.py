"""The docs stand alone: every relative Markdown link in README.md, docs/ and
the clients' READMEs points to a file of this repository (a clone has nothing
beside it), and every #anchor to a heading of its target page."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Build and dependency folders of the client SDKs hold third-party READMEs.
SKIP_DIRS = {"node_modules", ".venv", "build", ".gradle", ".dart_tool", ".build", "dist"}

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target) and ![alt](target), target optionally in <>, optional "title".
_INLINE = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"  # the text, one level of nested brackets
    r"\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"  # the target, balanced parentheses
)
_REFDEF = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*(<[^>]*>|\S+)")
_HTML = re.compile(r"""<(?:a|img)\s[^>]*?(?:href|src)\s*=\s*["']([^"']*)["']""", re.I)
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Link:
    page: Path
    line: int
    target: str


def markdown_pages(root: Path) -> list[Path]:
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    for readme in sorted((root / "clients").rglob("README.md")):
        if not SKIP_DIRS & set(readme.relative_to(root).parts):
            pages.append(readme)
    return [p for p in pages if p.is_file()]


def _prose_lines(text: str, keep_code_spans: bool = False) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, code spans removed
    unless kept (a heading's code span is part of its anchor)."""
    out: list[tuple[int, str]] = []
    fence = ""
    for n, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = ""
            continue
        if m:
            fence = m.group(1)
            continue
        out.append((n, line if keep_code_spans else _CODE_SPAN.sub("", line)))
    return out


def links_of(page: Path) -> list[Link]:
    found: list[Link] = []
    for n, line in _prose_lines(page.read_text(encoding="utf-8")):
        targets = [m.group(1) for m in _INLINE.finditer(line)]
        targets += [m.group(1) for m in _REFDEF.finditer(line)]
        targets += [m.group(1) for m in _HTML.finditer(line)]
        for t in targets:
            found.append(Link(page, n, t.strip("<>")))
    return found


def slug(heading: str) -> str:
    """The anchor the forge gives a heading (GitHub's rule): markup dropped,
    lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors_of(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    for _, line in _prose_lines(page.read_text(encoding="utf-8"), keep_code_spans=True):
        m = _HEADING.match(line)
        if not m:
            continue
        base = slug(m.group(2))
        k = seen.get(base, 0)
        seen[base] = k + 1
        out.add(base if k == 0 else f"{base}-{k}")
    for m in re.finditer(r"""<a\s[^>]*(?:name|id)\s*=\s*["']([^"']+)["']""", page.read_text()):
        out.add(m.group(1))
    return out


def problem(link: Link, root: Path) -> str | None:
    """Why the link is broken, or None. Links with a scheme (https:, mailto:)
    are not checked: they do not depend on what sits beside a clone."""
    target = link.target
    if not target or _SCHEME.match(target):
        return None
    path, _, anchor = target.partition("#")
    path = unquote(path.split("?", 1)[0])
    if path.startswith("/"):
        dest = Path(os.path.normpath(root / path.lstrip("/")))
    elif path:
        dest = Path(os.path.normpath(link.page.parent / path))
    else:
        dest = link.page
    if os.path.commonpath([dest, root]) != str(root):
        return "leaves the repository"
    if not dest.exists():
        return "points to a missing file"
    if anchor and dest.suffix == ".md" and anchor not in anchors_of(dest):
        return f"no heading for #{anchor} in {dest.relative_to(root)}"
    return None


def broken_links(root: Path) -> list[str]:
    out = []
    for page in markdown_pages(root):
        for link in links_of(page):
            why = problem(link, root)
            if why is not None:
                where = f"{page.relative_to(root)}:{link.line}"
                out.append(f"{where}: ({link.target}) {why}")
    return out


def test_docs_link_only_inside_the_repository() -> None:
    assert markdown_pages(ROOT), "no Markdown pages found"
    assert broken_links(ROOT) == []


# The checker itself, on a small repository of its own.


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "clients" / "py").mkdir(parents=True)
    (root / "docs" / "guide.md").write_text(
        "# Guide\n\n## The send path (embedded)\n\n## Two\n\n## Chat with `parley-chat`\n"
    )
    (root / "clients" / "py" / "README.md").write_text("[up](../../docs/guide.md#two)\n")
    return root


def _readme(root: Path, text: str) -> list[str]:
    (root / "README.md").write_text(text)
    return broken_links(root)


def test_a_link_out_of_the_repository_is_reported(repo: Path) -> None:
    found = _readme(repo, "Design: [`../shared/DESIGN.md`](../shared/DESIGN.md).\n")
    assert found == ["README.md:1: (../shared/DESIGN.md) leaves the repository"]


def test_missing_files_and_anchors_are_reported(repo: Path) -> None:
    text = "[a](docs/nope.md) [b](docs/guide.md#nope) [c](#missing)\n\n# Title\n"
    assert _readme(repo, text) == [
        "README.md:1: (docs/nope.md) points to a missing file",
        "README.md:1: (docs/guide.md#nope) no heading for #nope in docs/guide.md",
        "README.md:1: (#missing) no heading for #missing in README.md",
    ]


def test_good_links_code_and_urls_pass(repo: Path) -> None:
    text = (
        "# Top\n[g](docs/guide.md#the-send-path-embedded) [t](#top) [d](docs/)"
        " [c](docs/guide.md#chat-with-parley-chat)"
        " [w](https://example.com/x) ![i](<docs/guide.md>)\n"
        "`[x](../out.md)`\n```md\n[y](../out.md)\n```\n[ref]: docs/guide.md#guide\n"
    )
    assert _readme(repo, text) == []


def test_reference_definitions_and_html_links_are_checked(repo: Path) -> None:
    text = '[r]: ../elsewhere.md\n<a href="../x.md">x</a>\n'
    assert _readme(repo, text) == [
        "README.md:1: (../elsewhere.md) leaves the repository",
        "README.md:2: (../x.md) leaves the repository",
    ]
