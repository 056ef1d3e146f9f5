"""Browser libraries from npm (package.json, installed by ``npm ci`` into node_modules) served by
the app itself, never from a CDN: each file under a URL holding the package's installed version,
so browsers may keep it for a year and fetch the new one after an upgrade. It knows no domain."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from flask import abort, current_app, send_file
from werkzeug.wrappers import Response

#: How long browsers keep a vendor file (its URL changes with the version).
YEAR = 365 * 24 * 3600


def node_modules() -> Path:
    """The node_modules folder: ``NODE_MODULES_DIR`` when configured, else beside the package."""
    configured = current_app.config.get("NODE_MODULES_DIR")
    return Path(configured) if configured else Path(current_app.root_path).parent / "node_modules"


@cache
def _version(folder: str, package: str, files: tuple[str, ...]) -> str | None:
    if not all((Path(folder) / path).is_file() for path in files):
        return None
    try:
        return str(json.loads((Path(folder) / package / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def installed_version(package: str, files: Iterable[str]) -> str | None:
    """The installed version of the npm ``package``, or None when ``npm ci`` was not run or
    one of ``files`` (paths under node_modules) is missing."""
    return _version(str(node_modules()), package, tuple(files))


def send_vendor_file(path: str, mimetype: str = "text/javascript") -> Response:
    """The file at ``path`` under node_modules, cached for a year (404 when it is missing)."""
    full = node_modules() / path
    if not full.is_file():
        abort(404)
    response = send_file(full, mimetype=mimetype, max_age=YEAR, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
