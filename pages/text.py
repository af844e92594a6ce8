"""Text the user typed or named, made safe for where the pages put it.

Why a module of its own: clip names, athletes and notes go into Streamlit's Markdown (where
"$" starts LaTeX and ":red[x]" is colour) and into download file names (where "/" or a '"'
breaks the name), and messages shown alone (a sentence). Every page and helper module uses
these; this module uses none of them.
"""

from __future__ import annotations

import re
import unicodedata

# what Markdown reads inside a line (emphasis, code, links, HTML and its entities, LaTeX, tables,
# strike-through), and ":" (Streamlit turns ":smile:" into an emoji and ":red[x]" into colour). The texts shown
# this way are single lines behind a label ("Notes: ..."), so line-start markers cannot occur.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>$~|:&])")


def literal(text: str) -> str:
    """``text`` to show exactly as typed inside Streamlit's Markdown (captions, messages,
    labels): every Markdown character escaped. Notes reading "paid $40 ... $10 tip" were set
    as LaTeX between the two dollar signs, and "*in*" in italics."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(text))


def file_stem(text: str, limit: int = 60) -> str:
    """``text`` as part of a download's file name: ASCII letters, digits, ``.``, ``-`` and
    ``_`` only, at most ``limit`` characters. An athlete typed as "A/B*?" gave a name no
    system saves; "Zoë" downloaded under a 32-digit hash in Chromium (Streamlit sends a
    Latin-1 name as raw bytes), so accents are dropped: "Zoe"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9.-]+", "_", ascii_text).strip("._")
    return stem[:limit] or "replab"


def sentence(text: str) -> str:
    """``text`` with a capital first letter: the library's messages start in lower case, to be
    read after "Saving is not available:" and the like, and the History page shows them alone."""
    return text[:1].upper() + text[1:]
