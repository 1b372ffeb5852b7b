"""The release version: one number, in VERSION, copied into every manifest.

    python scripts/version.py check    lists the places that disagree with VERSION (exit 1)
    python scripts/version.py stamp    writes VERSION into all of them (`make dist` runs it)

Every manifest keeps a literal copy rather than reading VERSION when it builds: setuptools
refuses a dynamic version read from outside the project folder (gen/python, clients/python),
Maven's `${revision}` leaves the placeholder in installed POMs unless flatten-maven-plugin
rewrites them, and npm has no indirection at all. With literal copies each ecosystem's own
tools (pip on a folder, an IDE opening the POM, `npm pack`) work without a pre-step;
`check` (run by tests/packaging/test_dist.py) keeps the copies from drifting.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# MAJOR.MINOR.PATCH only: pre-releases are spelled differently by each ecosystem
# (PEP 440 `1.0.0rc1`, npm `1.0.0-rc.1`, Maven `1.0.0-RC1`), so one string cannot serve all.
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
_PYPROJECT = r'(?m)^version = "([^"]*)"$'
# The parent POM's own version, and the parent reference of each module.
_POM_PARENT = r"<artifactId>parley-kotlin-parent</artifactId>\s*<version>([^<]*)<"


@dataclass(frozen=True)
class Place:
    """A file and a pattern whose group 1 is the version; `count` occurrences are expected."""

    path: str
    pattern: str
    count: int = 1


PLACES = (
    Place("pyproject.toml", _PYPROJECT),
    Place("gen/python/pyproject.toml", _PYPROJECT),
    Place("gen/python-betterproto/pyproject.toml", _PYPROJECT),
    Place("clients/python/pyproject.toml", _PYPROJECT),
    Place("clients/python/parley_sdk/__init__.py", r'(?m)^__version__ = "([^"]*)"$'),
    Place("clients/python/parley_sdk/network.py", r'"parley-python/([^"]*)"'),
    Place("clients/ts/package.json", r'(?m)^  "version": "([^"]*)",$'),
    # The lock file names the package's own version twice: at the top and as packages[""].
    Place("clients/ts/package-lock.json", r'"name": "@parley/client",\s*"version": "([^"]*)"', 2),
    Place("clients/ts/README.md", r"parley-client-(\d[^/\s]*?)\.tgz", 2),
    Place("clients/kotlin/pom.xml", _POM_PARENT),
    Place("clients/kotlin/jvm/pom.xml", _POM_PARENT),
    Place("clients/kotlin/lite/pom.xml", _POM_PARENT),
    Place("clients/kotlin/sdk/pom.xml", _POM_PARENT),
    Place("clients/kotlin/sdk-lite/pom.xml", _POM_PARENT),
    Place("clients/kotlin/README.md", r"parley-kotlin-client</artifactId>\s*<version>([^<]*)<"),
    Place("clients/kotlin/README.md", r'"dev\.parley:parley-kotlin-client(?:-lite)?:([^"]*)"', 2),
    Place("clients/dart/pubspec.yaml", r"(?m)^version: (\S+)$"),
)


def read_version(root: Path = ROOT) -> str:
    version = (root / "VERSION").read_text().strip()
    if not VERSION_RE.match(version):
        raise SystemExit(f"VERSION holds {version!r}; expected MAJOR.MINOR.PATCH")
    return version


def check(root: Path = ROOT) -> list[str]:
    """One line per place that does not carry VERSION (empty: all agree)."""
    version = read_version(root)
    problems = []
    for place in PLACES:
        found = re.findall(place.pattern, (root / place.path).read_text())
        if len(found) != place.count:
            problems.append(
                f"{place.path}: expected {place.count} match(es) of {place.pattern!r}, "
                f"found {len(found)}"
            )
        problems += [f"{place.path}: {v} (VERSION is {version})" for v in found if v != version]
    return problems


def stamp(root: Path = ROOT) -> list[str]:
    """Writes VERSION into every place; returns the files changed."""
    version = read_version(root)
    changed = []
    for place in PLACES:
        path = root / place.path
        text = path.read_text()

        def swap(m: re.Match[str]) -> str:
            start, end = m.span(1)
            return m.group(0)[: start - m.start()] + version + m.group(0)[end - m.start() :]

        new, n = re.subn(place.pattern, swap, text)
        if n != place.count:
            raise SystemExit(f"{place.path}: expected {place.count} match(es), found {n}")
        if new != text:
            path.write_text(new)
            changed.append(place.path)
    return list(dict.fromkeys(changed))


def main() -> None:
    command = sys.argv[1] if len(sys.argv) == 2 else ""
    if command == "check":
        problems = check()
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            sys.exit("versions disagree with VERSION: run `python scripts/version.py stamp`")
        print(f"every manifest carries {read_version()}")
    elif command == "stamp":
        for path in stamp():
            print(f"version: stamped {read_version()} into {path}")
    else:
        sys.exit("usage: scripts/version.py check|stamp")


if __name__ == "__main__":
    main()
