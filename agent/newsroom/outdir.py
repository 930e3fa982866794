"""Outputs in a folder that several batches may write at once.

Each source gets a name of its own (a readable stem plus a hash of the source), so two batches
never take each other's file; index.json is read, merged and replaced under a lock, so each
batch's lines survive the others'.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent.files import write_atomic

INDEX = "index.json"


def output_name(source: str, suffix: str) -> str:
    stem = Path(source.rstrip("/").split("?")[0]).stem or "article"
    tag = hashlib.sha256(source.encode()).hexdigest()[:10]
    return f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', stem)[:60]}-{tag}.{suffix}"


def merge_index(out_dir: Path, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add `rows` to out_dir/index.json (a row per source; a newer row replaces an older one)."""
    with open(out_dir / f".{INDEX}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            path = out_dir / INDEX
            try:
                kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
            except json.JSONDecodeError:
                kept = []  # a hand-broken index is rebuilt from this batch on
            merged = {row["source"]: row for row in kept if isinstance(row, dict)}
            merged.update({row["source"]: row for row in rows})
            index = list(merged.values())
            write_atomic(path, json.dumps(index, indent=2))
            return index
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
