"""Every message the code marks for translation has a Chinese translation."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [p.name for p in ROOT.iterdir() if (p / "locales").is_dir()]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_message_is_translated_to_chinese(package: str) -> None:
    folder = ROOT / package / "locales" / "zh_CN" / "LC_MESSAGES"
    translated: set[str] = set()
    for po in folder.glob("*.po"):
        with po.open("rb") as fh:
            translated |= {m.id if isinstance(m.id, str) else m.id[0]
                           for m in read_po(fh, locale="zh_CN") if m.string}
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    missing = sorted(
        {msg[2] if isinstance(msg[2], str) else msg[2][0]
         for msg in extract_from_dir(str(ROOT / package), method_map, keywords={"_": None})}
        - translated
    )
    assert missing == [], f"untranslated in {package}: {missing}"


def test_catalog_placeholders_match() -> None:
    import re

    for package in PACKAGES:
        for po in (ROOT / package / "locales/zh_CN/LC_MESSAGES").glob("*.po"):
            with po.open("rb") as fh:
                for m in read_po(fh, locale="zh_CN"):
                    if m.id and m.string:
                        assert set(re.findall(r"{\w+}", str(m.id))) == set(
                            re.findall(r"{\w+}", str(m.string))), (po.name, m.id)


def test_no_message_is_translated_two_ways() -> None:
    """Feature catalogs of one package merge into one; a msgid translated differently in two
    files would make the result depend on file order."""
    for package in PACKAGES:
        seen: dict[str, tuple[str, str]] = {}
        for po in sorted((ROOT / package / "locales/zh_CN/LC_MESSAGES").glob("*.po")):
            with po.open("rb") as fh:
                for m in read_po(fh, locale="zh_CN"):
                    if m.id and m.string:
                        first = seen.setdefault(str(m.id), (po.name, str(m.string)))
                        assert first[1] == m.string, (package, m.id, first, po.name, m.string)
