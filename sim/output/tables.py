"""Plain-text tables for the terminal and text files."""

from __future__ import annotations


def text_table(header: tuple | list, rows: list) -> str:
    """Rows of strings as left-aligned columns two spaces apart, the header first."""
    lines = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines)
