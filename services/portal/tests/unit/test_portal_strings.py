"""Every string the app shows exists in English and Spanish, and every key the code uses exists."""

import re

from cvihub_portal.app import STATIC_DIR

KEY = re.compile(r"""(?:^\s*|[,{]\s*)"?([A-Za-z_][\w.-]*)"?:\s*"((?:[^"\\]|\\.)*)\"""", re.M)


def strings(language: str) -> dict[str, str]:
    """One language's table in i18n.js."""
    source = (STATIC_DIR / "js" / "i18n.js").read_text()
    block = re.search(rf"\n  {language}: \{{(.*?)\n  \}},", source, re.S)
    assert block is not None, language
    return dict(KEY.findall(block.group(1)))


def test_english_and_spanish_have_the_same_keys_and_no_empty_string() -> None:
    english, spanish = strings("en"), strings("es")
    assert len(english) > 150
    assert set(english) == set(spanish)
    assert all(english.values()) and all(spanish.values())
    same = [k for k in english if english[k] == spanish[k] and not k.startswith(("app_", "suppr"))]
    assert len(same) < 5, same  # a string left in English is a string not translated


def test_every_key_the_screens_ask_for_is_translated() -> None:
    known = set(strings("en"))
    used: set[str] = set()
    for path in (STATIC_DIR / "js").glob("*.js"):
        used |= set(re.findall(r"""\bt\("([\w.-]+)\"""", path.read_text()))
    assert used, "no t() calls found"
    assert used - known == set()
