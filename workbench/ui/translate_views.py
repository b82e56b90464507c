"""Translate page pieces: pick a seq2seq model, give one text or a batch, set the generation, and see
the translation with the safety hits in the source and in the output, and the model's variants side
by side. The model calls go through ``workbench.inference.translation`` (the prediction service)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from workbench.models.registry import ModelRecord
from workbench.ui.data_views import saved_upload
from workbench.ui.errors import guard
from workbench.ui.forms import spec_form_fields
from workbench.ui.highlight import highlight_hits
from workbench.ui.progress import progress_bar
from workbench.ui.resources import loaded_model, models, read_table_cached
from workbench.ui.session import active_model, upload_cap_bytes, upload_cap_text

DEFAULT_TEXT = "the cat sleeps at home"
GENERATION_FIELDS = ["num_beams", "max_new_tokens", "length_penalty", "no_repeat_ngram_size"]
LANGUAGE_FIELDS = ["source_lang", "target_lang"]  # NLLB/M2M only; empty = the trained direction
INPUT_MODES = ("One text", "One text per line", "Upload a file")
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "jsonl", "ndjson", "json"]
RESULT_KEY = "translate.result"


def translation_models() -> list[ModelRecord]:
    """The workspace's models that generate text (their task says so), fine-tuned ones first."""
    from workbench.inference.translation import generates_text

    records = [r for r in models() if generates_text(r)]
    return sorted(records, key=lambda r: r.kind == "variant")


def no_model_message() -> str:
    """Why the page cannot translate yet, naming the models there are and what they do instead."""
    others = [f"`{r.id}` ({r.task})" for r in models()[:5]]
    found = f" The workspace has {', '.join(others)}: they predict labels, not text." if others else ""
    return (
        "No seq2seq (translation) model yet." + found + " Fine-tune one on a parallel file on the Train page "
        "(task seq2seq), or with `workbench train pairs.csv --task seq2seq --model <folder>`."
    )


def pick_model(records: list[ModelRecord]) -> ModelRecord:
    """A selectbox of the seq2seq models; says so when the active model cannot translate."""
    ids = [r.id for r in records]
    current = active_model()
    if current and current not in ids:
        st.caption(f"The active model `{current}` does not generate text; pick a translation model here.")
    chosen = st.selectbox(
        "Translation model", ids, index=ids.index(current) if current in ids else 0, key="translate.model"
    )
    return next(r for r in records if r.id == chosen)


def licence_notice(record: ModelRecord) -> None:
    """The model's licence under its name; a non-commercial one as a warning nobody can miss."""
    from workbench.models.licence import licence_line, licence_warning, model_licence

    licence = model_licence(record)
    warning = licence_warning(licence)
    if warning:
        st.warning(warning, icon=":material/gavel:")
    else:
        st.caption(licence_line(licence))


def generation_settings() -> Any:
    """The ``GenerationSpec`` from its own field metadata (a ``SpecError`` lists every bad value)."""
    from workbench.inference.generation import GenerationSpec

    with st.expander("Generation settings"):
        values = spec_form_fields(GenerationSpec, GENERATION_FIELDS, key_prefix="translate.gen", columns=4)
        values |= spec_form_fields(GenerationSpec, LANGUAGE_FIELDS, key_prefix="translate.gen", columns=2)
    return GenerationSpec(**values)


def pick_sources() -> list[str]:
    """The source texts: one typed text, one text per line, or a column of an uploaded file."""
    mode = st.radio("Input", INPUT_MODES, horizontal=True, key="translate.mode")
    if mode == INPUT_MODES[0]:
        st.session_state.setdefault("translate.text", DEFAULT_TEXT)
        return [st.text_area("Source text", key="translate.text", height=100)]
    if mode == INPUT_MODES[1]:
        lines = st.text_area("Source texts, one per line", key="translate.lines", height=160)
        return [line for line in lines.splitlines() if line.strip()]
    st.caption(f"CSV, TSV, XLSX or JSON lines with a source column; up to **{upload_cap_text()}**.")
    path = saved_upload(st.file_uploader("File to translate", type=UPLOAD_TYPES, key="translate.upload"))
    if path is None:
        return []
    with guard():
        frame = read_table_cached(path, upload_cap_bytes())
    column = st.selectbox("Source column", list(frame.columns), key="translate.column")
    return frame[column].fillna("").astype(str).tolist()


def translate(model_id: str, sources: list[str], spec: Any, variant_ids: list[str]) -> dict[str, Any]:
    """Run the translation (and the variants, when asked) with progress; kept in session state so the
    result survives reruns until the next translation."""
    from workbench.inference.translation import time_models, translate_texts

    loaded_model(model_id)  # loaded once per model version and shared (spinner the first time)
    results = translate_texts(model_id, sources, generation=spec, progress=progress_bar("Translating"))
    runs = []
    if variant_ids:
        for variant in variant_ids:
            loaded_model(variant)
        runs = time_models(
            [model_id, *variant_ids], sources, generation=spec, progress=progress_bar("Running the variants")
        )
    result = {"model": model_id, "results": results, "runs": runs}
    st.session_state[RESULT_KEY] = result
    return result


def hit_caption(hits: list[Any]) -> str:
    if not hits:
        return "No safety rule fired."
    return "Safety hits: " + ", ".join(f"{h.rule} ({h.severity}, {h.action})" for h in hits)


def single_view(item: Any) -> None:
    """One source and its translation, each with its safety hits highlighted in the text."""
    left, right = st.columns(2)
    with left:
        st.markdown("**Source**")
        st.html(highlight_hits(item.source, item.source_hits))
        st.caption(hit_caption(list(item.source_hits)))
    with right:
        st.markdown("**Translation**")
        if item.checked.blocked:
            st.error(f"Not translated: the safety rules block this text. {item.checked.block_reason}.")
            return
        st.html(highlight_hits(item.text, item.output_hits))
        st.caption(f"confidence {item.score:.1%} (mean token probability)")
        st.caption(hit_caption(item.output_hits))
        if item.verdict_hits:
            st.caption("Output rules: " + ", ".join(f"{h.rule} ({h.action})" for h in item.verdict_hits))
        if item.checked.needs_review:
            st.warning("The safety rules route this translation to review by a person.")


def _rule_ids(hits: Any) -> str:
    return ", ".join(dict.fromkeys(h.rule for h in hits))


def batch_table(results: list[Any]) -> pd.DataFrame:
    """One row per source: the translation, its confidence and the rules that fired on each side."""
    return pd.DataFrame(
        {
            "source": [r.source for r in results],
            "translation": [r.text or "" for r in results],
            "confidence": [r.score for r in results],
            "source_hits": [_rule_ids(r.source_hits) for r in results],
            "output_hits": [_rule_ids([*r.output_hits, *r.verdict_hits]) for r in results],
            "blocked": [r.checked.block_reason or "" for r in results],
        }
    )


def safe_csv(table: pd.DataFrame) -> bytes:
    """The table as CSV with every cell neutralised against formula injection (a source may be one)."""
    from workbench.data.export import neutralise_cell

    safe = table.copy()
    for column in safe.columns:
        safe[column] = safe[column].map(neutralise_cell).astype(object)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def variants_view(runs: list[Any], sources: list[str]) -> None:
    """Each model's output for the same sources in its own column, then the time each took."""
    if not runs:
        return
    st.subheader("The model and its variants side by side")
    table = pd.DataFrame({"source": sources})
    for run in runs:
        table[run.model_id] = [t if t is not None else "(blocked)" for t in run.texts]
    st.dataframe(table, hide_index=True)
    reference = runs[0].seconds or 1e-9
    times = pd.DataFrame(
        {
            "model": [r.model_id for r in runs],
            "seconds": [r.seconds for r in runs],
            "texts_per_second": [round(len(sources) / r.seconds, 2) if r.seconds else None for r in runs],
            "speed_vs_model": [round(reference / r.seconds, 2) if r.seconds else None for r in runs],
            "same_output": [r.texts == runs[0].texts for r in runs],
        }
    )
    st.dataframe(times, hide_index=True)


def result_view(result: dict[str, Any]) -> None:
    results = result["results"]
    if len(results) == 1:
        single_view(results[0])
    else:
        table = batch_table(results)
        st.dataframe(table, hide_index=True)
        st.download_button(
            "Download the translations (CSV)",
            safe_csv(table),
            file_name="translations.csv",
            mime="text/csv",
            key="translate.download",
        )
        blocked = sum(r.checked.blocked for r in results)
        st.caption(
            f"{len(results)} texts translated"
            + (f", {blocked} blocked by the safety rules." if blocked else ".")
        )
    variants_view(result["runs"], [r.source for r in results])
