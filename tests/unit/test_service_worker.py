"""The phone pages' service worker changes whenever an asset it keeps offline changes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from gridgov.web.console import STATIC
from gridgov.web.mobile import OFFLINE_ASSETS, worker_script


def cache_name(script: str) -> str:
    found = re.search(r'var CACHE = "([^"]+)";', script)
    assert found is not None
    return found.group(1)


def test_a_changed_asset_renames_the_offline_cache(tmp_path: Path) -> None:
    """Assets are served cache-first: an unchanged worker would keep serving a phone the old
    mobile.js for ever. A new digest in its cache's name makes the phone install the new
    worker, which fetches the new assets and drops the old cache."""
    static = tmp_path / "static"
    shutil.copytree(STATIC, static, ignore=shutil.ignore_patterns("vendor"))
    before = cache_name(worker_script(static))
    assert before.startswith("gridgov-m-")
    assert "ASSETS_DIGEST" not in before
    assert cache_name(worker_script.__wrapped__(static)) == before  # the same assets, same name
    (static / "mobile.js").write_text((static / "mobile.js").read_text() + "\n// v2\n")
    assert cache_name(worker_script.__wrapped__(static)) != before


def test_the_worker_keeps_the_assets_the_server_digests() -> None:
    script = worker_script()
    for name in OFFLINE_ASSETS:
        assert f'"/static/{name}"' in script, name
