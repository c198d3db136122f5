"""Printed pages read back with pypdf: each page's text and how far down its content
reaches (text and images; the page-number footer left out)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

FOOTER_PT = 40  # the page number sits in the bottom margin (14 mm = 40 pt)


@dataclass(frozen=True)
class PrintedPage:
    number: int
    text: str
    filled: float  # share of the page's height from its top edge to its lowest content

    @property
    def compact(self) -> str:
        """The text without spaces and line breaks (pypdf spaces Japanese text unevenly),
        with the wave dash the font maps 「～」 to read back as 「～」."""
        return re.sub(r"\s+", "", self.text).replace("\u301c", "\uff5e")


def _page(number: int, page) -> PrintedPage:
    height = float(page.mediabox.height)
    lowest = [height]

    def operand(op, args, cm, tm):
        if op == b"Do":  # an image drawn where the current matrix puts it: cm[5] is its bottom edge
            lowest[0] = min(lowest[0], cm[5])

    def text(t, cm, tm, font, size):
        y = cm[3] * tm[5] + cm[5]
        if t.strip() and y > FOOTER_PT:
            lowest[0] = min(lowest[0], y)

    content = page.extract_text(visitor_operand_before=operand, visitor_text=text)
    return PrintedPage(number, content, (height - lowest[0]) / height)


def printed_pages(pdf: Path) -> list[PrintedPage]:
    return [_page(number, page) for number, page in enumerate(PdfReader(pdf).pages, start=1)]
