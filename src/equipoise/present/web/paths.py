"""No response names a folder of the server: :func:`scrub_paths`."""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

__all__ = ["scrub_paths"]

_ABS_PATH = re.compile(r"(?<![\w.:/\\~%-])/(?:[^\s/\\\"'`<>|:;,(){}\[\]]+/)+"
                       r"[^\s/\\\"'`<>|:;,(){}\[\]]*")


def _shown_path(m: re.Match) -> str:
    p = m.group(0)
    first = p.split("/", 2)[1]
    if not first or not os.path.isdir("/" + first):
        return p  # an address on this site (/domain/trade), not a folder of this machine
    from ...io.files import data_roots

    for root in data_roots():
        if p.startswith(root + "/"):
            return p[len(root) + 1:]
    return posixpath.basename(p.rstrip("/")) or "."


def scrub_paths(obj: Any) -> Any:
    """A copy of ``obj`` (dicts, lists, strings) in which every absolute path of this machine is
    replaced by the path relative to its data folder (the package's datasets,
    ``$EQUIPOISE_SHARED_DATA``, ``$EQUIPOISE_VOTES``) or else by the file's name: no response
    tells a client where the server's files live."""
    if isinstance(obj, str):
        return _ABS_PATH.sub(_shown_path, obj) if "/" in obj else obj
    if isinstance(obj, dict):
        return {k: scrub_paths(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub_paths(v) for v in obj]
    return obj
