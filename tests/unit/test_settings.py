"""Settings refuse what the server could not use, when it starts rather than when it sends."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gridgov.config import Settings


def test_the_110_address_must_be_http() -> None:
    assert Settings(police_110_url="https://110.example/updates").police_110_url
    assert Settings().police_110_url == ""  # not set: pushed by `gridgov intake push`
    for bad in ("ftp://110.example/", "110.example/updates"):
        with pytest.raises(ValidationError, match="not an http"):
            Settings(police_110_url=bad)


def test_office_hours_that_do_not_parse_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(office_hours="nine to five")
