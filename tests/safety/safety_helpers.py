"""Helpers shared by the safety tests (imported by name, as ``serve_helpers`` is in tests/serve)."""

from __future__ import annotations

from workbench.safety import scan


def leak_details(text: str) -> list[str]:
    """The details of the prompt-injection hits on ``text`` ("leak via raw", "override via base64"...)."""
    return [h.detail for h in scan(text).hits if h.category == "prompt_injection"]
