"""The model registry: every model a user made is a folder in the workspace.

``$WORKBENCH_HOME/models/<id>/`` holds the Hugging Face files (safetensors), a ``workbench.json`` record
and a generated model card. A model is written into a hidden staging folder and renamed into place in
one step, so a crash mid-save never leaves a half model listed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.config import workspace_home
from workbench.errors import RegistryError
from workbench.fsutil import atomic_write_json, dir_size_bytes, read_json

RECORD_FILE = "workbench.json"
STAGING_PREFIX = ".staging-"
OWNER_FILE = ".owner.json"
STALE_STAGING_SECONDS = 15 * 60  # a staging folder untouched this long, whose writer is gone, is debris


@dataclass
class ModelRecord:
    """What the workspace knows about one model (fine-tuned model or variant)."""

    id: str
    name: str
    task: str
    labels: list[str]
    base_model: str
    method: str = "full"
    kind: str = "fine-tuned"
    parent: str | None = None
    recipe: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    preprocess: dict[str, Any] = field(default_factory=dict)
    max_length: int = 256
    text_pair: bool = False
    dataset_fingerprint: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    sizes: dict[str, Any] = field(default_factory=dict)
    adapter: bool = False
    status: str = "ready"
    created: float = field(default_factory=time.time)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def slugify(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip("-.").lower()
    return slug[:64] or "model"


class Registry:
    """Models in the workspace, listed, resolved by id or name, added atomically, removed."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = Path(home) if home else workspace_home()
        self.root = self.home / "models"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, model_id: str) -> Path:
        return self.root / model_id

    def list(self) -> list[ModelRecord]:
        """Published models, newest first; stale staging folders of killed saves are deleted on the way."""
        self.clean_staging()
        records = []
        for folder in sorted(self.root.iterdir()):
            if folder.name.startswith(".") or not folder.is_dir():
                continue
            data = read_json(folder / RECORD_FILE)
            if data:
                records.append(ModelRecord.from_dict(data))
        return sorted(records, key=lambda r: r.created, reverse=True)

    def get(self, id_or_name: str) -> ModelRecord:
        data = read_json(self.path(slugify(id_or_name)) / RECORD_FILE) if id_or_name else None
        if data:
            return ModelRecord.from_dict(data)
        matches = [r for r in self.list() if r.name == id_or_name]
        if matches:
            return matches[0]
        known = ", ".join(r.id for r in self.list()[:10]) or "none yet"
        raise RegistryError(
            f"No model {id_or_name!r} in the workspace {self.root}. Known models: {known}. "
            "List them with `workbench models`."
        )

    def newest(self, id_or_name: str) -> ModelRecord:
        """The newest model named ``id_or_name``, else the model with that id. Training again under a
        name publishes a new id (``name-2``...); what refers to a model by its name (a safety rule)
        follows it to the newest training, while an id still means exactly that model."""
        record = self.get(id_or_name)
        if record.name != id_or_name:
            return record  # an id (``name-2``) or a name no other model shares
        named = [r for r in self.list() if r.name == id_or_name]
        return named[0] if named else record

    def variant_of(self, record: ModelRecord, steps: list[str]) -> ModelRecord | None:
        """The newest variant built from ``record`` by ``steps`` (``["int8"]``, ``["distill:3", "int8"]``:
        the chain of variant steps after ``record``'s own), or None when none was built."""
        root = record.recipe.get("root", record.id)
        chain = [*record.recipe.get("chain", []), *steps]
        for candidate in self.list():
            recipe = candidate.recipe
            if candidate.kind == "variant" and recipe.get("root") == root and recipe.get("chain") == chain:
                return candidate
        return None

    def exists(self, id_or_name: str) -> bool:
        try:
            self.get(id_or_name)
        except RegistryError:
            return False
        return True

    def new_id(self, name: str) -> str:
        base = slugify(name)
        candidate, n = base, 2
        while self.path(candidate).exists():
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def staging_dir(self) -> Path:
        """A hidden folder to write a model into before it is published (never listed)."""
        folder = self.root / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
        folder.mkdir(parents=True)
        owner = {"pid": os.getpid(), "host": socket.gethostname()}
        (folder / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")
        return folder

    def publish(self, staging: Path, record: ModelRecord) -> ModelRecord:
        """Write the record and model card into ``staging`` and rename it to its final id."""
        from workbench.models.card import write_model_card

        record.id = self.new_id(record.id or record.name)
        (staging / OWNER_FILE).unlink(missing_ok=True)
        record.sizes.setdefault("disk_bytes", dir_size_bytes(staging))
        write_model_card(staging, record)
        atomic_write_json(staging / RECORD_FILE, record.to_dict())
        staging.rename(self.path(record.id))
        return record

    def update(self, record: ModelRecord) -> None:
        """Rewrite a published record (e.g. to add comparison results) atomically."""
        if not self.path(record.id).is_dir():
            raise RegistryError(f"Cannot update {record.id!r}: it is not in the workspace.")
        from workbench.models.card import write_model_card

        write_model_card(self.path(record.id), record)
        atomic_write_json(self.path(record.id) / RECORD_FILE, record.to_dict())

    def remove(self, id_or_name: str) -> ModelRecord:
        record = self.get(id_or_name)
        children = [r.id for r in self.list() if r.parent == record.id]
        trash = self.root / f"{STAGING_PREFIX}rm-{record.id}-{uuid.uuid4().hex[:6]}"
        self.path(record.id).rename(trash)  # unlisted at once, then deleted
        shutil.rmtree(trash, ignore_errors=True)
        if children:
            record.extra["orphaned_children"] = children
        return record

    def clean_staging(self, older_than_seconds: float = STALE_STAGING_SECONDS) -> int:
        """Delete staging folders left by killed saves: untouched for ``older_than_seconds`` and
        not owned by a process that is still running here (a long distillation writes late)."""
        removed = 0
        for folder in self.root.glob(f"{STAGING_PREFIX}*"):
            try:
                age = time.time() - folder.stat().st_mtime
            except FileNotFoundError:
                continue  # published or cleaned by someone else meanwhile
            if age > older_than_seconds and not _writer_alive(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def lineage(self, id_or_name: str) -> list[ModelRecord]:
        """The chain from the root model to this one (base → fine-tuned → variants)."""
        chain = [self.get(id_or_name)]
        while chain[-1].parent and self.exists(chain[-1].parent) and len(chain) < 20:
            chain.append(self.get(chain[-1].parent))
        return list(reversed(chain))


def _writer_alive(staging: Path) -> bool:
    """True when the process that made ``staging`` still runs on this host (unknown owners are not)."""
    try:
        owner = read_json(staging / OWNER_FILE)
    except (OSError, ValueError):
        return False  # cut off mid-write: its writer was killed
    if not isinstance(owner, dict) or owner.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(owner["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user
    except (KeyError, TypeError, ValueError):
        return False
    return True
