"""A flame graph (SVG) from collapsed stacks (`frame;frame;frame count` per
line, as py-spy's raw format writes them): no tools needed to look at a profile."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from html import escape

_LINE = re.compile(r":\d+\)$")


@dataclass
class _Node:
    count: int = 0
    children: dict[str, _Node] = field(default_factory=dict)


def _color(name: str) -> str:
    h = zlib.crc32(name.encode())
    return f"rgb({205 + h % 50},{80 + (h >> 8) % 120},{40 + (h >> 16) % 50})"


def flamegraph_svg(raw: str, title: str, width: int = 1200, row: int = 17) -> str:
    root = _Node()
    for line in raw.splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        node = root
        node.count += count
        for frame in stack.split(";"):
            # One box per function, whatever line it was on.
            node = node.children.setdefault(_LINE.sub(")", frame), _Node())
            node.count += count
    total = root.count or 1
    rects: list[tuple[float, int, float, str, int]] = []

    def walk(node: _Node, name: str, x: float, depth: int) -> int:
        w = node.count / total * width
        if w < 0.5:
            return depth
        rects.append((x, depth, w, name, node.count))
        deepest = depth
        cx = x
        for child_name, child in sorted(node.children.items()):
            deepest = max(deepest, walk(child, child_name, cx, depth + 1))
            cx += child.count / total * width
        return deepest

    depth = walk(root, "all", 0.0, 0)
    height = (depth + 1) * row + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="monospace" font-size="11">',
        f'<text x="4" y="16" font-size="14">{escape(title)} ({root.count} samples)</text>',
    ]
    for x, d, w, name, count in rects:
        y = height - (d + 1) * row
        pct = 100.0 * count / total
        label = escape(name)
        out.append(
            f"<g><title>{label} — {count} samples, {pct:.1f}%</title>"
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" '
            f'fill="{_color(name)}" rx="2"/>'
        )
        chars = int(w / 6.6)
        if chars >= 4:
            text = name if len(name) <= chars else name[: chars - 2] + ".."
            out.append(f'<text x="{x + 3:.1f}" y="{y + row - 5}">{escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
