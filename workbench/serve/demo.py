"""The Gradio demo: a tab per deployment, text in → label with probabilities, safety hits, SHAP heat map.

``build_demo(deployments) -> gr.Blocks`` is mounted at ``/demo`` by the REST server (sharing its
loaded models, batcher and cache, so the demo answers exactly as the API does) or launched alone by
``workbench demo MODEL``. Per-user data (the last text, for the flag button) lives in ``gr.State``,
never in module globals. When API keys exist, the mounted demo asks for one (the same check as the
API: a Bearer header, or the cookie ``/demo-login?key=...`` sets) and the standalone demo logs in
with the key name and the key as password.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import gradio as gr

from workbench.errors import DataError, WorkbenchError
from workbench.serve.auth import bearer_secret
from workbench.serve.keys import KeyStore
from workbench.serve.runtime import Runtimes, ServedPrediction
from workbench.serve.settings import ServeSettings

KEY_COOKIE = "workbench_key"
MAX_EXAMPLES = 4


class DemoService:
    """What the demo's buttons call: the serving runtimes, resolved per call (follows redeploys)."""

    def __init__(self, resolve: Callable[[str], str], runtimes: Runtimes, rules: str | None = None) -> None:
        self.resolve = resolve
        self.runtimes = runtimes
        self.rules = rules
        self.max_chars = runtimes.settings.max_chars  # the API's --max-chars

    def predict(self, name: str, text: str) -> tuple[str, ServedPrediction]:
        from workbench.safety import resolve_rules

        if len(text) > self.max_chars:  # the API's limit: the demo's endpoints are as public as its routes
            raise DataError(
                f"The text is {len(text):,} characters; this demo takes at most {self.max_chars:,} "
                "(the server's --max-chars). Shorten it: the model reads only the first few hundred tokens."
            )
        version = self.resolve(name)
        runtime = self.runtimes.get(version)
        if runtime.loaded.record.text_pair:
            raise WorkbenchError(f"Model {version!r} reads text pairs; call it through the API with 'pairs'.")
        return version, runtime.predict([text], None, resolve_rules(self.rules))[0]

    def explain_html(self, name: str, text: str) -> str:
        from explain.core import explain_texts
        from explain.render import GENERATION_KEY, render_html
        from explain.spec import ExplainSpec

        version, served = self.predict(name, text)
        if served.checked.blocked:
            return ""
        read = served.checked.model_text or text  # a translation model read placeholders, not the PII
        result = explain_texts(self.runtimes.get(version).loaded, [read], None, ExplainSpec(mode="fast"))[0]
        if result.settings.get(GENERATION_KEY) is not None:
            return render_html(result, title=f"Which source words made each output word ({version})")
        return render_html(result, title=f"Why {result.label} ({version})")

    def generates_text(self, name: str) -> bool:
        """Whether the deployment's model writes text (a translation box) rather than a label."""
        from workbench.tasks import get_task

        try:
            return get_task(self.runtimes.registry.get(self.resolve(name)).task).generates_text
        except WorkbenchError:
            return False  # a missing model shows the usual tab; predicting there says what is wrong

    def examples(self, name: str) -> list[str]:
        """A few texts from the data the model was trained on, personal data masked."""
        from workbench.safety import mask_text, resolve_rules

        try:
            record = self.runtimes.registry.get(self.resolve(name))
            path, column = record.spec.get("train_data"), record.spec.get("text_col") or "text"
            if not path:
                return []
            from workbench.data import read_table

            texts = read_table(path)[column].dropna().astype(str)
        except (WorkbenchError, OSError, KeyError):
            return []  # the training file moved or was deleted: the demo works without examples
        rules = resolve_rules(self.rules)
        short = [t for t in dict.fromkeys(texts) if 10 <= len(t) <= 200][:MAX_EXAMPLES]
        return [mask_text(t, rules) for t in short]

    def flag(self, name: str, text: str) -> str:
        from workbench.review.flagged import add_flagged

        version, served = self.predict(name, text)
        labels = self.runtimes.get(version).loaded.labels
        queue, item_id = add_flagged(version, labels, served.checked)
        return f"Flagged: item {item_id} of review queue `{queue}` (personal data masked)."


def hits_markdown(served: ServedPrediction) -> str:
    checked = served.checked
    lines = []
    if checked.blocked:
        lines.append(f"**Blocked, no prediction:** {html.escape(checked.block_reason or '')}")
    elif checked.needs_review:
        lines.append("**The safety rules route this prediction to review by a person.**")
    records = checked.hit_records()
    if not records:
        return "\n\n".join(lines) or "No safety rule fired on this text."
    lines.append("| rule | category | severity | action | where |\n|---|---|---|---|---|")
    for h in records:
        lines.append(
            f"| {h['rule']} | {h['category']} | {h['severity']} | {h['action']} | "
            f"{'' if h['field'] == 'text' else h['field'] + ' '}{h['start']}-{h['end']} `{html.escape(h['preview'])}` |"
        )
    return "\n".join(lines)


def label_value(served: ServedPrediction) -> dict[str, float]:
    prediction = served.checked.prediction
    if prediction is None:
        return {}
    if prediction.probabilities:
        return dict(prediction.probabilities)
    return {str(prediction.label): float(prediction.score)}  # regression: the value itself


def translation_value(served: ServedPrediction) -> str:
    prediction = served.checked.prediction
    return "" if prediction is None else str(prediction.label)


def _tab(name: str, service: DemoService) -> None:
    api = name.replace("-", "_")
    translates = service.generates_text(name)
    last = gr.State(None)  # this user's last text, for the flag button
    text = gr.Textbox(
        label="Source text" if translates else "Text",
        lines=3,
        placeholder="Type a text to translate" if translates else "Type a message to classify",
    )
    with gr.Row():
        predict_button = gr.Button("Predict", variant="primary")
        flag_button = gr.Button("Flag for review")
    version = gr.Markdown()
    label = (
        gr.Textbox(label="Translation", lines=3, interactive=False)
        if translates
        else gr.Label(label="Prediction", num_top_classes=5)
    )
    shown = translation_value if translates else label_value
    hits = gr.Markdown()
    heat = gr.HTML()
    flagged = gr.Markdown()
    examples = service.examples(name)
    if examples:
        gr.Examples(examples=[[e] for e in examples], inputs=[text])

    def predict(value: str) -> tuple[Any, ...]:
        if not value or not value.strip():
            raise gr.Error("Type a text first.")
        try:
            used, served = service.predict(name, value)
        except WorkbenchError as exc:
            raise gr.Error(str(exc)) from None
        return shown(served), hits_markdown(served), f"answered by version `{used}`", value, ""

    def explain(value: str) -> str:
        if not value or not value.strip():
            return ""
        try:
            return service.explain_html(name, value)
        except WorkbenchError as exc:
            raise gr.Error(str(exc)) from None

    def flag(value: str | None) -> str:
        if not value:
            raise gr.Error("Predict a text first, then flag it.")
        return service.flag(name, value)

    outputs = [label, hits, version, last, heat]
    # the heat map only after a prediction that worked: a refused text gets one message, not two
    predict_button.click(predict, [text], outputs, api_name=f"predict_{api}").success(
        explain, [text], [heat], api_name=f"explain_{api}"
    )
    text.submit(predict, [text], outputs, api_visibility="private").success(
        explain, [text], [heat], api_visibility="private"
    )
    flag_button.click(flag, [last], [flagged], api_name=f"flag_{api}")


def build_demo(
    deployments: Mapping[str, str] | None = None,
    *,
    state: Any = None,
    runtimes: Runtimes | None = None,
    rules: str | None = None,
) -> gr.Blocks:
    """A tab per deployment. ``deployments`` maps a name to a version; with a server ``state`` the
    names are its deployments and each call follows the name's current version."""
    if state is not None:
        names = [d.name for d in state.store.list()]
        service = DemoService(lambda n: state.store.get(n).version, state.runtimes, state.settings.rules)
    else:
        fixed = dict(deployments or {})
        names = list(fixed)
        runtimes = runtimes or Runtimes(ServeSettings(demo=False), _metrics())
        service = DemoService(fixed.__getitem__, runtimes, rules)
    with gr.Blocks(title="Workbench demo", analytics_enabled=False) as demo:
        gr.Markdown("## Try the deployed models\nLabel, safety hits and the SHAP heat map of each text.")
        if not names:
            gr.Markdown("No deployments yet: `workbench deploy NAME MODEL_ID`, then restart the server.")
        for name in names:
            with gr.Tab(name):
                _tab(name, service)
    return demo


def _metrics() -> Any:
    from workbench.serve.metrics import ServeMetrics

    return ServeMetrics()


def demo_auth(state: Any) -> Callable[[Any], str | None]:
    """Gradio's ``auth_dependency``: the key (Bearer header or login cookie) needs the predict scope."""

    def check(request: Any) -> str | None:
        if not state.keys.active():
            return "anonymous"
        secret = bearer_secret(request) or request.cookies.get(KEY_COOKIE)
        key = state.keys.verify(secret) if secret else None
        return key.name if key is not None and key.allows("predict") else None

    return check


def launch_demo(model: str, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    """``workbench demo MODEL``: the demo of one registry model alone (what a Space runs)."""
    from workbench.models.registry import Registry

    record = Registry().get(model)
    keys = KeyStore()

    def login(user: str, password: str) -> bool:
        key = keys.verify(password)
        return key is not None and key.name == user and key.allows("predict")

    demo = build_demo({record.id: record.id})
    demo.launch(server_name=host, server_port=port, auth=login if keys.active() else None)
