"""``workbench push``: a registry model to a Hugging Face Hub model repo, with its model card.

The pushed files are the model's Hugging Face files (config, safetensors weights, tokenizer, the card
as README.md). The workspace record ``workbench.json`` stays home: it holds this machine's paths (the
training file, the base model folder) and nothing a Hub user needs to load the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.models.registry import RECORD_FILE, Registry

KEPT_HOME = (RECORD_FILE,)
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


@dataclass
class PushPlan:
    """What a push sends: every file (relative path, bytes) of ``folder`` and the card."""

    model_id: str
    repo_id: str
    private: bool
    folder: Path
    files: list[tuple[str, int]] = field(default_factory=list)
    card: str = ""

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size in self.files)


def plan_push(model: str, repo_id: str, private: bool = False) -> PushPlan:
    """The exact files and card of a push, checked before anything touches the network."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise WorkbenchError(
            f"Invalid Hub repo id {repo_id!r}: {exc} Use NAMESPACE/NAME, e.g. you/support-v1."
        ) from None
    if "/" not in repo_id:
        raise WorkbenchError(
            f"Name the owner of the Hub repo: NAMESPACE/{repo_id} (your user or organisation name)."
        )
    registry = Registry()
    record = registry.get(model)
    folder = registry.path(record.id)
    files = sorted(
        (str(p.relative_to(folder)), p.stat().st_size)
        for p in folder.rglob("*")
        if p.is_file() and p.name not in KEPT_HOME and not p.relative_to(folder).parts[0].startswith(".")
    )
    pickled = [name for name, _ in files if name.endswith(PICKLE_SUFFIXES)]
    if pickled:
        raise WorkbenchError(
            f"Model {record.id!r} holds pickled weights ({', '.join(pickled)}); only safetensors are pushed. "
            "Re-save it as safetensors before pushing."
        )
    card_path = folder / "README.md"
    if not card_path.is_file():
        from workbench.models.card import write_model_card

        write_model_card(folder, record)
        files = sorted({*files, ("README.md", card_path.stat().st_size)})
    return PushPlan(record.id, repo_id, private, folder, files, card_path.read_text(encoding="utf-8"))


def push(plan: PushPlan, token: str | None = None) -> str:
    """Create the repo (if new) and upload exactly the planned files; returns the repo URL."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, LocalTokenNotFoundError, OfflineModeIsEnabled

    api = HfApi(token=token)
    try:
        url = api.create_repo(plan.repo_id, private=plan.private, exist_ok=True, repo_type="model")
        api.upload_folder(
            repo_id=plan.repo_id,
            folder_path=plan.folder,
            allow_patterns=[name for name, _ in plan.files],
            commit_message=f"Upload {plan.model_id} from the LLM Onboarding Workbench",
        )
    except OfflineModeIsEnabled:
        raise WorkbenchError(
            "Cannot push: Hugging Face Hub offline mode is on (HF_HUB_OFFLINE=1). Unset it to push, "
            "or use --dry-run to see what would be sent."
        ) from None
    except LocalTokenNotFoundError:
        raise WorkbenchError(
            "Cannot push: no Hugging Face token. Log in with `hf auth login` or set HF_TOKEN (a write token)."
        ) from None
    except HfHubHTTPError as exc:
        raise WorkbenchError(
            f"The Hub refused the push to {plan.repo_id!r}: {exc}. Check that your token can write to "
            "that namespace (`hf auth whoami`)."
        ) from None
    return str(url)
