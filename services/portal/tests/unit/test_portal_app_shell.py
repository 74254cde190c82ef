"""The app shell: no build step, nothing from a CDN, within 200 KB compressed, all of it cached
by the service worker so the app opens with no signal."""

import gzip
import re

from cvihub_portal.app import STATIC_DIR

SHELL_BUDGET = 200 * 1024


def shell_paths() -> list[str]:
    """The files the service worker caches as the app shell."""
    listing = re.search(r"const SHELL = \[(.*?)\];", (STATIC_DIR / "sw.js").read_text(), re.S)
    assert listing is not None
    return re.findall(r'"([^"]+)"', listing.group(1))


def test_the_service_worker_caches_every_file_the_app_is_made_of() -> None:
    files = {
        "/" + str(path.relative_to(STATIC_DIR))
        for path in STATIC_DIR.rglob("*")
        if path.is_file() and path.name != "sw.js"
    }
    assert files == set(shell_paths()) - {"/"}


def test_the_app_shell_is_under_200_kb_compressed() -> None:
    sizes = {
        path: len(gzip.compress((STATIC_DIR / path.lstrip("/")).read_bytes(), 6))
        for path in shell_paths()
        if path != "/"
    }
    total = sum(sizes.values()) + len(gzip.compress((STATIC_DIR / "sw.js").read_bytes()))
    print(f"app shell: {total} bytes gzipped")
    assert 0 < total <= SHELL_BUDGET


def test_nothing_is_loaded_from_another_origin() -> None:
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in {".html", ".js", ".css", ".webmanifest"}:
            text = path.read_text()
            assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path
            assert not re.search(r"""import[^;]*["'](https?:)?//""", text), path
