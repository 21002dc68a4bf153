"""Reading a one-pager PDF back with poppler (pdfinfo, pdftotext), as a reader's tools see it."""

import html
import re
import subprocess
from dataclasses import dataclass

from onepager import content, fit, render

POINTS_PER_MM = 72 / 25.4


@dataclass
class Facts:
    pages: int
    width: float  # points
    height: float
    text: str  # pdftotext, reading order, whitespace collapsed
    layout_text: str  # pdftotext -layout
    words: list  # (word, x_min, y_min, x_max, y_max) in points


def read(data: bytes, tmp_path) -> Facts:
    path = tmp_path / "page.pdf"
    path.write_bytes(data)
    info = _run("pdfinfo", str(path))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    width, height = (float(v) for v in re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M).groups())
    boxes = _run("pdftotext", "-bbox", str(path), "-")
    words = [
        (html.unescape(word), float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', boxes
        )
    ]
    return Facts(
        pages=pages,
        width=width,
        height=height,
        text=" ".join(_run("pdftotext", str(path), "-").split()),
        layout_text=_run("pdftotext", "-layout", str(path), "-"),
        words=words,
    )


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def outside(facts: Facts) -> list:
    """Words printed outside the page box less its margins (0.5 pt of rounding allowed)."""
    margin = fit.MARGIN * POINTS_PER_MM - 0.5
    return [
        w
        for w in facts.words
        if w[1] < margin or w[2] < margin or w[3] > facts.width - margin or w[4] > facts.height - margin
    ]


def shown(plan, size: str = "a4") -> tuple[bytes, render.Fitted, dict]:
    """The PDF as downloaded, how it was fitted, and every text the page shows, by section."""
    fitted = render.fitted(plan, size)
    page = fit.apply(content.build(plan), fitted.layout)
    texts = {}
    for key, listed in page.shown.items():
        texts[key] = [item.text for item in listed.rows]
        texts[key] += [sub for item in listed.rows for sub in item.subs]
        texts[key] += [item.detail for item in listed.rows if item.show_detail and item.detail]
    return fitted.document.write_pdf(pdf_variant=render.PDF_VARIANT), fitted, texts


def missing(texts: dict, facts: Facts) -> list[str]:
    """The shown texts that pdftotext does not read back whole."""
    return [t for items in texts.values() for t in items if " ".join(t.split()) not in facts.text]
