"""Widgets built from a spec's field metadata, so labels, help texts, defaults and ranges live in one
place (the spec) and the form cannot drift from what the core validates."""

from __future__ import annotations

import typing
from dataclasses import fields
from typing import Any

import streamlit as st


def field_kind(annotation: Any) -> tuple[type, bool]:
    """``(base type, optional)`` of a dataclass field annotation such as ``float | None``."""
    args = typing.get_args(annotation)
    if args:
        concrete = [a for a in args if a is not type(None)]
        return concrete[0], len(concrete) < len(args)
    return annotation, False


def spec_field_types(spec_cls: type) -> dict[str, tuple[type, bool]]:
    hints = typing.get_type_hints(spec_cls)
    return {f.name: field_kind(hints[f.name]) for f in fields(spec_cls)}


def _number_step(kind: type, low: float | None, high: float | None) -> float | int:
    if kind is int:
        return 1
    if high is not None and high <= 1.0:
        return 0.01 if (low or 0) >= 0.01 or low == 0 else 1e-5
    return 0.1


def _number_format(kind: type, low: float | None) -> str | None:
    """Tiny rates in scientific notation; other decimals as short as they are (3 epochs, not 3.00)."""
    if kind is int:
        return None
    return "%.1e" if low is not None and 0 < low < 1e-3 else "%g"


# Words that stay upper case (or keep their own casing) inside a sentence-case label.
ACRONYMS = {
    "pii": "PII",
    "html": "HTML",
    "lr": "LR",
    "lora": "LoRA",
    "onnx": "ONNX",
    "id": "ID",
    "ids": "IDs",
    "csv": "CSV",
    "shap": "SHAP",
    "ece": "ECE",
    "ffn": "FFN",
    "url": "URL",
    "api": "API",
    "cpu": "CPU",
    "gpu": "GPU",
    "int8": "int8",
}


def sentence_case(label: str) -> str:
    """``"Mask pii"`` → ``"Mask PII"``: first word capitalised, acronyms upper case everywhere."""
    words = label.split(" ")
    out = [ACRONYMS.get(w.lower(), w) for w in words]
    if out and out[0] == words[0] and out[0][:1].islower():
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def field_widget(
    name: str, info: dict[str, Any], kind: type, optional: bool, value: Any, key: str, disabled: bool = False
) -> Any:
    """One widget for one spec field; returns what the user entered (``None`` for an empty optional)."""
    label = sentence_case(info.get("label") or name.replace("_", " ").capitalize())
    help_text = info.get("help")
    if info.get("choices"):
        choices = list(info["choices"])
        index = choices.index(value) if value in choices else 0
        return st.selectbox(label, choices, index=index, help=help_text, key=key, disabled=disabled)
    if kind is bool:
        return st.checkbox(label, value=bool(value), help=help_text, key=key, disabled=disabled)
    if kind in (int, float):
        low, high = info.get("min"), info.get("max")
        cast = int if kind is int else float
        return st.number_input(
            label,
            min_value=cast(low) if low is not None else None,
            max_value=cast(high) if high is not None else None,
            value=cast(value) if value is not None else None,
            step=_number_step(kind, low, high),
            format=_number_format(kind, low),
            help=help_text + (" Leave empty for the default." if optional else ""),
            placeholder="default" if optional else None,
            key=key,
            disabled=disabled,
        )
    text = st.text_input(
        label, value="" if value is None else str(value), help=help_text, key=key, disabled=disabled
    )
    return (text.strip() or None) if optional else text.strip()


def spec_form_fields(
    spec_cls: Any,
    names: list[str],
    values: dict[str, Any] | None = None,
    *,
    key_prefix: str,
    columns: int = 2,
    disabled: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Widgets for ``names`` of ``spec_cls`` laid out in ``columns``; returns ``{field: value}``.

    ``values`` overrides the spec defaults (a preset, or the settings of a previous run);
    ``disabled`` maps fields that do not apply now to the reason, added to their help text.
    """
    disabled = disabled or {}
    info = spec_cls.field_info()
    types = spec_field_types(spec_cls)
    values = values or {}
    slots = st.columns(columns) if columns > 1 else [st.container()]
    out: dict[str, Any] = {}
    for i, name in enumerate(names):
        kind, optional = types[name]
        value = values.get(name, info[name]["default"])
        with slots[i % len(slots)]:
            field_info = info[name]
            if name in disabled:
                field_info = {
                    **field_info,
                    "help": f"{field_info.get('help') or ''} {disabled[name]}".strip(),
                }
            out[name] = field_widget(
                name, field_info, kind, optional, value, key=f"{key_prefix}.{name}", disabled=name in disabled
            )
    return out
