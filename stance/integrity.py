"""Run integrity: a manifest of every file a model needs, written at save time and checked at load.

``manifest.json`` lists each file's size and SHA-256 with the format version. Loading checks that
every listed file exists with its size (always: a stat per file) and its hash (once per process
and file version: the result is cached by path, size and modification time, so reloading a model
costs no hashing). A missing, truncated or changed file is a :class:`~stance.scorers.RunError`
naming it, instead of a model that loads and predicts garbage.

Example:
    >>> write_manifest("runs/default", ["stance.json", "model.safetensors"])  # doctest: +SKIP
    >>> check_manifest("runs/default")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Iterable

from .scorers import RunError

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
_verified: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256 already checked
_lock = threading.Lock()


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(directory: str | Path, files: Iterable[str]) -> Path:
    """Write ``manifest.json`` for ``files`` (paths relative to ``directory``)."""
    directory = Path(directory)
    entries = {}
    for name in sorted(set(files)):
        path = directory / name
        entries[name] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
    out = directory / MANIFEST
    out.write_text(json.dumps({"manifest_version": MANIFEST_VERSION, "files": entries}, indent=1) + "\n",
                   encoding="utf-8")
    return out


def check_manifest(directory: str | Path, hashes: bool = True) -> None:
    """Raise RunError naming the first missing or changed file of the run's manifest.

    ``hashes=False`` checks presence and sizes only.
    """
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        entries = manifest["files"]
    except FileNotFoundError:
        raise RunError(f"{directory}: {MANIFEST} is missing; the run is incomplete (re-save or retrain it)") from None
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise RunError(f"{directory}/{MANIFEST} is corrupt: {err}") from err
    for name, entry in entries.items():
        path = directory / name
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise RunError(f"{path} is missing (listed in {MANIFEST}); the run is damaged") from None
        if stat.st_size != entry["size"]:
            raise RunError(f"{path} has {stat.st_size} bytes, {MANIFEST} says {entry['size']}; the file is damaged")
        if not hashes:
            continue
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        with _lock:
            known = _verified.get(key)
        if known is None:
            known = sha256_of(path)
            with _lock:
                _verified[key] = known
        if known != entry["sha256"]:
            raise RunError(f"{path} does not match the sha256 in {MANIFEST}; the file was changed or damaged")


__all__ = ["MANIFEST", "check_manifest", "sha256_of", "write_manifest"]
