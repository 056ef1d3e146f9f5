"""What a test may do when something it needs is not on the machine (a server, a browser, a
tool): skip on a developer's machine, with the reason in the summary; fail in CI (``CI=true``),
where everything must run and a skip would pass unseen."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(reason: str) -> NoReturn:
    """This test cannot run here because of ``reason``: a failure in CI, a skip elsewhere."""
    if in_ci():
        pytest.fail(f"CI needs it: {reason}")
    pytest.skip(reason)
