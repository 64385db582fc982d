"""Company names as people type them: one normalised form for matching and de-duplication."""

from __future__ import annotations

import re
import unicodedata

_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "分公司",
    "公司",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd",
    "co.",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "limited",
    "corporation",
    "corp.",
    "corp",
    "gmbh",
    "llc",
)
_BARE = frozenset(re.sub(r"[\s\-_·.,]+", "", x) for x in _SUFFIXES)
_PUNCT = re.compile(r"[\s\-_·.,，。、'\"“”‘’()\[\]{}（）【】]+")


def normalize_name(name: str) -> str:
    """Fold width and case, drop punctuation and legal-form suffixes.

    ``华为技术有限公司`` and ``华为技术（有限公司）`` both become ``华为技术``; ``ACME Co., Ltd.``
    becomes ``acme``.
    """
    s = unicodedata.normalize("NFKC", name or "").lower().strip()
    s = s.replace("(", "（").replace(")", "）")
    s = re.sub(r"（(中国|china)）", "", s)
    changed = True
    while changed:
        changed = False
        compact = _PUNCT.sub("", s)
        if compact in _BARE:
            s = compact
            break
        for suffix in _SUFFIXES:
            key = _PUNCT.sub("", suffix)
            if compact.endswith(key) and len(compact) > len(key):
                s = compact[: -len(key)]
                changed = True
                break
        else:
            s = compact
    return s
