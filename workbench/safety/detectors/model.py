"""Model-backed detectors: a registered workspace model as a rule's detector.

* ``label``: a classifier (sentiment, an injection classifier the user fine-tuned...) fires when one of
  ``labels`` gets at least ``min_score``; the hit covers the whole text. It abstains on a text its
  tokenizer cannot read (more than ``max_unknown`` of its tokens unknown, as Chinese is to an English
  vocabulary): such a model's verdict there is noise, and the pattern rules answer alone. When such a
  text still holds enough words the model reads (an English order padded with Chinese or emoji to make
  the model look away), the model judges those words alone (``readable_part``). Random keys, base64 or
  hex blobs and hashes are left out of what it reads (``without_keys``): a classifier reads their
  fragments as it pleases, and an attacker must not hide an order behind them. A text longer than
  the model reads at once (its ``max_length`` tokens, 128 for the injection classifier) is read in
  windows of that length overlapping by ``overlap`` of a window (``token_windows``, up to
  ``max_windows``), so an order behind a page of harmless text is read too; the hit then covers the
  window that fired. With ``views`` it also reads the pattern rules' views of a text
  (``workbench.safety.normalize``: a base64 payload decoded, CamelCase split into words) that made words
  its tokenizer knows (``reads_as_words``); the strongest answer decides, and a hit found in a view names
  it and covers the encoded run.
* ``entities``: a token-classification (NER) model fires on each entity of ``types`` (person,
  location...) with at least ``min_score``; the hit covers the entity, so ``action: mask`` masks it.

Either may name a ``variant`` (``int8``): the rule then asks that compressed variant of its model when
the workspace has one built from the model's newest training, else the model itself. For the injection
classifier int8 is about twice as fast and a little weaker on orders hidden in long texts (the README
has the numbers), so the default rule does not name it; ``workbench safety train-injection`` builds the
variant a rule names.

The engine runs them after the pattern detectors, batched over all texts of a call (texts a pattern
rule already blocked are skipped), and every detector keeps the answers per text (an LRU cache), so
a text scanned by predict, then by review and Explain costs one model call. Models load lazily on the
first scan, through the shared ``MODEL_CACHE``; an ``optional`` rule whose model is not in the
workspace does nothing (the default ``injection.classifier`` rule until ``workbench safety
train-injection`` has made its model).
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

from workbench.data.tokens import (
    UNREADABLE_SHARE,
    known_word_share,
    readable_part,
    token_windows,
    unknown_shares,
    without_keys,
    without_unreadable,
)
from workbench.errors import RuleError
from workbench.safety.detectors.base import (
    Candidate,
    Detector,
    Param,
    lower_same_length,
    register_detector,
)
from workbench.safety.normalize import VIEW_NAMES, View, text_views

CACHE_SIZE = 10_000
READ_CHARS = 100_000  # a label rule reads this much of a text (in windows); past it, nothing
MISSING_RECHECK_SECONDS = 5.0  # an optional rule's absent model is looked for again after this long


class EntitySpan(NamedTuple):
    """One entity a NER model found: ``text[start:end]``, its type (lower-case) and score."""

    start: int
    end: int
    type: str
    score: float


def predict_entities(loaded: Any, texts: Sequence[str]) -> list[list[EntitySpan]]:
    """Entity spans per text from a loaded token-classification model.

    The contract an entities rule relies on: the model's task object provides
    ``predict_entities(loaded, texts)`` returning, per text, the entities as
    ``workbench.inference.entities.predict_entities`` gives them: ``{start, end, label, score, text}``
    with character offsets into that text (words rebuilt from sub-tokens).
    """
    task_predict = getattr(loaded.task, "predict_entities", None)
    if task_predict is None:
        raise RuleError(
            f"model {loaded.id!r} is a {loaded.task.name} model: an `entities` rule needs a "
            "token-classification (NER) model; train one or use `detector: label` for a classifier"
        )
    return [
        [EntitySpan(s["start"], s["end"], str(s["label"]).lower(), float(s["score"])) for s in spans]
        for spans in task_predict(loaded, list(texts))
    ]


def variant_steps(spec: str) -> list[str]:
    """The steps of a variant recipe (``"distill:3+int8"`` -> ``["distill:3", "int8"]``), validated
    (``SpecError`` names a step that does not exist)."""
    from workbench.variants.spec import parse_variant_spec

    return [str(step) for step in parse_variant_spec(spec).steps]


def rule_models(settings: Mapping[str, Any], registry: Any) -> tuple[Any, Any]:
    """(the newest training of the rule's ``model``, the model the rule asks: the ``variant`` built from
    that training when there is one, else the training itself); ``RegistryError`` when it is absent."""
    trained = registry.newest(settings["model"])
    if not settings.get("variant"):
        return trained, trained
    return trained, registry.variant_of(trained, variant_steps(settings["variant"])) or trained


def models_rules_ask(rules: Any, registry: Any) -> list[tuple[Any, Any, Any]]:
    """``(rule, trained, asked)`` (``rule_models``) for every enabled model-backed rule whose model is in
    the workspace (an optional rule whose model was never trained is left out)."""
    from workbench.errors import RegistryError

    found = []
    for rule in rules.rules:
        if rule.enabled and rule.params.get("model"):
            try:
                found.append((rule, *rule_models(rule.params, registry)))
            except RegistryError:
                continue
    return found


def read_views(text: str, names: Collection[str], tokenizer: Any = None) -> Iterator[View]:
    """The views of ``text`` (``workbench.safety.normalize``) named by ``names`` (a folded view when one
    of its changes is named) that the text opens and that differ from it: what a ``label`` rule with
    ``views`` reads besides the text (a decoded base64 payload, CamelCase split into words). Given the
    model's ``tokenizer``, only the views that read as words to it (``reads_as_words``) or hold the text's
    own words without what stood between them (``SAME_WORDS_VIEWS``)."""
    lowered = lower_same_length(text)
    wanted = set(names)
    seen = {lowered}
    for view in text_views(text, lowered):
        changes = view.name.split("+")
        if view.text not in seen and not wanted.isdisjoint(changes):
            seen.add(view.text)
            if (
                tokenizer is None
                or SAME_WORDS_VIEWS & set(changes)
                or reads_as_words(tokenizer, view.text, lowered)
            ):
                yield view


# Views that hold the text's own words, with what stood between them taken out: "ignore%20all%20previous"
# decoded holds no word the text did not, so ``reads_as_words`` would never let the model read it, yet the
# model reads the text as sent with a "%" and a "20" between every two words (a jailbreak sent as a URL's
# query: 0.91 of the public test part's injections caught, 0.96 as written).
SAME_WORDS_VIEWS = frozenset({"url-encoding"})
_WORD = re.compile(r"[^\W\d_]{3,}")
MIN_NEW_WORDS = 2
MIN_KNOWN_SHARE = 0.6


def reads_as_words(tokenizer: Any, view: str, lowered: str) -> bool:
    """Whether a view made words the model knows: of its words (three letters or more) that the text as
    sent does not hold, at least two, and 60 % of them single tokens of the model's vocabulary. A random
    key or base64 blob split at its capitals, or its digits read as leetspeak ("qxGb5e" -> "qx gb se"),
    makes fragments; an English classifier that reads those tends to call them an attack (a test with
    400 random keys in benign sentences: 48 flagged as sent, 92 reading those views, 48 with this check)."""
    before = set(_WORD.findall(lowered))
    new = [word for word in _WORD.findall(view) if word not in before][:200]
    return len(new) >= MIN_NEW_WORDS and known_word_share(tokenizer, new) >= MIN_KNOWN_SHARE


class ModelDetector(Detector):
    """A detector that asks a workspace model, many texts per call, with a per-text cache."""

    batched: ClassVar[bool] = True
    params: ClassVar[Mapping[str, Param]] = {}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self._cache: OrderedDict[str, list[Candidate]] = OrderedDict()
        self._unread: OrderedDict[str, str] = OrderedDict()  # text -> why the model gave no verdict
        self._lock = threading.Lock()
        self._cached_for: Any = None  # the loaded model the cached answers came from
        self._missing_until = 0.0
        self._asked: tuple[tuple[str, int], str] | None = None  # ((models folder, its mtime), model id)

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        """Values out of range are reported whether or not the model exists, so one pass names every
        mistake; the model must be in the workspace (unless the rule is optional) and fit the detector;
        a ``variant`` must be a variant recipe (checked once the model exists: the variants package
        loads pandas, which a scan without a model never needs)."""
        from workbench.errors import RegistryError, SpecError
        from workbench.models.registry import Registry

        problems = cls.check_values(settings)
        try:
            record = Registry().newest(settings["model"])
        except RegistryError:
            if settings.get("optional", False):
                return problems
            return {
                "model": f"model {settings['model']!r} is not in the workspace: train it (`workbench train`, "
                "`workbench safety train-injection`) or fix the name (`workbench models`)",
                **problems,
            }
        if settings.get("variant") is not None:
            try:
                variant_steps(settings["variant"])
            except SpecError as error:
                problems["variant"] = f"{error} (e.g. `variant: int8`)"
        return {**problems, **cls.check_model(record, settings)}

    @classmethod
    def check_values(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        """Problems of the settings' values alone (no model needed)."""
        score = settings.get("min_score", 0.5)
        if isinstance(score, bool) or not 0 < score <= 1:
            return {"min_score": f"min_score must be in (0, 1], got {score!r}"}
        return {}

    @classmethod
    def check_model(cls, record: Any, settings: Mapping[str, Any]) -> dict[str, str]:
        return {}

    def find(self, text: str) -> list[Candidate]:
        return self.find_batch([text])[0]

    def find_batch(self, texts: Sequence[str]) -> list[list[Candidate]]:
        """Candidates per text; the model is looked up on every call (a model trained or replaced while
        a server runs is picked up), the answers are cached per text for that model."""
        loaded = self._load()
        if loaded is None:
            return [[] for _ in texts]
        with self._lock:
            if loaded is not self._cached_for:
                self._cache.clear()
                self._unread.clear()
                self._cached_for = loaded
            known = {text: self._cache[text] for text in texts if text in self._cache}
        todo = list(dict.fromkeys(text for text in texts if text not in known))
        if todo:
            answers = self.candidates(loaded, todo)
            with self._lock:
                for text, candidates in zip(todo, answers, strict=True):
                    self._cache[text] = candidates
                    known[text] = candidates
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return [known[text] for text in texts]

    def _load(self) -> Any:
        """The model from the shared cache (the newest training of the rule's model name, or the
        ``variant`` built from it when there is one); None when an optional rule's model is absent."""
        from workbench.errors import RegistryError
        from workbench.inference.predict import MODEL_CACHE
        from workbench.models.registry import Registry

        if time.monotonic() < self._missing_until:
            return None
        try:
            registry = Registry()
            return MODEL_CACHE.get(self._asked_id(registry), registry)
        except RegistryError:
            if self.settings.get("optional"):  # per-text scans (Explain, the gateway) skip the look-up
                self._missing_until = time.monotonic() + MISSING_RECHECK_SECONDS
                return None
            raise

    def _asked_id(self, registry: Any) -> str:
        """The id of the model the rule asks (``rule_models``), resolved again only when a model was
        published or removed since (the models folder's mtime changes): resolving reads every model's
        record, milliseconds per scan on a busy gateway."""
        stamp = (str(registry.root), registry.root.stat().st_mtime_ns)
        asked = self._asked
        if asked is None or asked[0] != stamp:
            asked = (stamp, rule_models(self.settings, registry)[1].id)
            self._asked = asked
        return asked[1]

    def candidates(self, loaded: Any, texts: list[str]) -> list[list[Candidate]]:
        raise NotImplementedError

    def note(self, text: str) -> str | None:
        """Why the detector gave no verdict on ``text`` (its model could not read it) or judged only the
        words it can read, or None."""
        with self._lock:
            return self._unread.get(text)


_MODEL = Param(str, None, "Workspace model id or name (see `workbench models`).", required=True)
_VARIANT = Param(
    str,
    None,
    "Ask this compressed variant of the model (e.g. int8: about 2x faster on a CPU) when the workspace "
    "has one built from its newest training (`workbench compress MODEL --variant int8`); else the model.",
)
_OPTIONAL = Param(bool, False, "When the model is not in the workspace, the rule does nothing.")
_BATCH = Param(int, 32, "Texts per forward pass.", low=1, high=4096)


@register_detector
class LabelDetector(ModelDetector):
    name = "label"
    category = "model_label"
    description = (
        "A classifier from the workspace (sentiment, an injection classifier...): fires when one of "
        "`labels` gets at least `min_score`; the hit covers the whole text."
    )
    placeholder = "FLAGGED"
    params: ClassVar = {
        "model": _MODEL,
        "labels": Param(list, None, "Labels that make the rule fire, e.g. [negative].", required=True),
        "min_score": Param((int, float), 0.5, "Lowest probability of one of `labels` that fires."),
        "max_unknown": Param(
            (int, float),
            UNREADABLE_SHARE,
            "Share of a text's tokens the model's tokenizer does not know ([UNK]) above which the rule "
            "abstains (an English model reads Chinese as [UNK]); 1 = never abstain.",
        ),
        "max_windows": Param(
            int,
            16,
            "A text longer than the model reads at once is read in overlapping windows of its max_length "
            "tokens: at most this many (the first ones and the last); 1 = only the text's start.",
        ),
        "overlap": Param(
            (int, float),
            0.25,
            "Share of a window the next window reads again (0 to 0.75): more reads an order that straddles "
            "two windows whole, at more windows per long text (0.5: 1.5 times the 0.25's).",
        ),
        "nfkc": Param(
            bool,
            True,
            "Read the text NFKC-normalised, as the patterns do: full-width letters (ｉｇｎｏｒｅ) and ligatures "
            "as plain letters, which a BERT tokenizer otherwise reads as unknown; false reads it as sent.",
        ),
        "views": Param(
            list,
            [],
            "Also read these views of a text when it opens them, as the pattern rules do (e.g. [base64, "
            "hex, camel-case]: the decoded payload, the words split apart); the model's strongest answer "
            "on the text or a view decides, and a hit found in a view names it. Empty: the text as sent.",
        ),
        "optional": _OPTIONAL,
        "variant": _VARIANT,
        "batch_size": _BATCH,
    }

    @classmethod
    def check_values(cls, settings: Mapping[str, Any]) -> dict[str, str]:
        problems = super().check_values(settings)
        unknown_views = [v for v in settings.get("views", []) if v not in VIEW_NAMES]
        if unknown_views:
            problems["views"] = f"unknown views {unknown_views}: use {', '.join(VIEW_NAMES)}"
        unknown_share = settings.get("max_unknown", UNREADABLE_SHARE)
        if isinstance(unknown_share, bool) or not 0 < unknown_share <= 1:
            problems["max_unknown"] = f"max_unknown must be in (0, 1], got {unknown_share!r}"
        windows = settings.get("max_windows", 16)
        if isinstance(windows, bool) or not 1 <= windows <= 1000:
            problems["max_windows"] = (
                f"max_windows must be between 1 and 1000, got {windows!r}: 16 windows of 128 tokens read "
                "about 1,500 tokens at overlap 0.25"
            )
        overlap = settings.get("overlap", 0.25)
        if isinstance(overlap, bool) or not 0 <= overlap <= 0.75:
            problems["overlap"] = (
                f"overlap must be between 0 and 0.75 (a share of the window), got {overlap!r}: 0.25 reads "
                "a quarter of each window again in the next"
            )
        return problems

    @classmethod
    def check_model(cls, record: Any, settings: Mapping[str, Any]) -> dict[str, str]:
        from workbench.tasks import get_task

        problems = {}
        task = get_task(record.task)
        if task.predicts_value or task.predicts_entities or task.generates_text:  # no class probabilities
            problems["model"] = (
                f"model {record.id!r} is a {record.task} model: a `label` rule needs a classifier "
                "with class probabilities"
            )
        unknown = [label for label in settings.get("labels", []) if label not in record.labels]
        if unknown:
            problems["labels"] = (
                f"labels {unknown} are not labels of model {record.id!r} ({', '.join(record.labels)})"
            )
        return problems

    def candidates(self, loaded: Any, texts: list[str]) -> list[list[Candidate]]:
        chosen = self.settings["views"]
        tokenizer = loaded.tokenizer
        views = [list(read_views(text, chosen, tokenizer)) if chosen else [] for text in texts]
        readings = [*texts, *(view.text for found in views for view in found)]
        verdicts = iter(self._verdicts(loaded, readings, len(texts)))
        own = [next(verdicts) for _ in texts]
        out = []
        for text, verdict, found in zip(texts, own, views, strict=True):
            best, by = verdict, None
            for view in found:  # the views' verdicts follow the texts' in the order the views came
                seen = next(verdicts)
                if seen is not None and (best is None or seen.score > best.score):
                    best, by = seen, view
            if best is None or best.score < self.settings["min_score"]:
                out.append([])
                continue
            detail = f"{best.label} {best.score:.2f} via model {loaded.id}"
            if best.window is not None:
                detail += f" (window {best.window[0]} of {best.window[1]})"
            if by is None:
                start, end = best.span if best.window is not None else (0, len(text))
            else:  # the hit in the original text: the decoded run, or what the view's window covers
                start, end = by.original_span(*(best.span if best.window is not None else (0, len(by.text))))
                detail += f" via {by.name}"
                with self._lock:  # the text as sent may be unreadable (base64): the view was read
                    self._unread.pop(text, None)
            out.append([Candidate(start, end, detail, best.score)])
        return out

    def _verdicts(self, loaded: Any, texts: list[str], noted: int) -> list[_Verdict | None]:
        """The model's strongest answer for one of ``labels`` on each text (None: it could not read the
        text); why a text was read only in part is kept for the first ``noted`` texts (the texts scanned;
        the rest are their views)."""
        most = self.settings["max_unknown"]
        tokenizer = loaded.tokenizer
        judged: list[str | None] = []  # what the model reads of each text; None: it abstains
        unread: dict[str, str] = {}
        nfkc = self.settings["nfkc"]
        readings = [
            without_keys(unicodedata.normalize("NFKC", t) if nfkc and not t.isascii() else t) for t in texts
        ]
        longest = min(READ_CHARS, max(map(len, readings), default=0))
        for text, reading, share in zip(
            texts, readings, unknown_shares(tokenizer, readings, longest), strict=True
        ):
            read = reading[:READ_CHARS]
            if not read.strip():  # nothing but a key or a blob: nothing the model reads
                judged.append(None)
                if text.strip():
                    unread[text] = f"not judged: model {loaded.id} does not read random keys or blobs"
                continue
            if share <= most:  # readable: judged without the few words it cannot read, if any
                judged.append(without_unreadable(tokenizer, read, READ_CHARS) if share else read)
                continue
            words, part = readable_part(tokenizer, read, READ_CHARS)
            judged.append(part or None)
            unread[text] = (
                f"judged only the {words} words model {loaded.id} can read ({share:.0%} of the text's "
                f"tokens unknown to it, more than max_unknown {most:g})"
                if part
                else f"not judged: model {loaded.id} cannot read this text ({share:.0%} of its tokens "
                f"unknown to it, more than max_unknown {most:g})"
            )
        # each judged text in windows of what the model reads at once (one window for most texts)
        size = max(8, loaded.record.max_length - tokenizer.num_special_tokens_to_add())
        overlap = int(size * self.settings["overlap"])
        pieces: list[str] = []
        windows: list[list[tuple[int, int]]] = []
        for text, part in zip(texts, judged, strict=True):
            if part is None:
                windows.append([])
                continue
            spans, tokens = token_windows(tokenizer, part, size, overlap, self.settings["max_windows"])
            windows.append(spans)
            pieces += [part[start:end] for start, end in spans]
            if tokens > size * len(spans):
                unread[text] = (unread[text] + "; " if text in unread else "") + (
                    f"read in {len(spans)} windows of {size} tokens (max_windows), the first ones and "
                    f"the last: the middle of its {tokens} tokens was not read"
                    if len(spans) > 1
                    else f"read only the first {size} of its {tokens} tokens (max_windows 1)"
                )
        noted_texts = set(texts[:noted])
        with self._lock:  # tokenizing stays outside: concurrent scans only wait for the dictionary update
            self._unread.update((text, why) for text, why in unread.items() if text in noted_texts)
            while len(self._unread) > CACHE_SIZE:
                self._unread.popitem(last=False)
        predictions = iter(loaded.predict(pieces, batch_size=self.settings["batch_size"]))
        wanted = self.settings["labels"]
        out: list[_Verdict | None] = []
        for text, part, spans in zip(texts, judged, windows, strict=True):
            best = max(
                (
                    (prediction.probabilities.get(label, 0.0), label, span)
                    for span, prediction in zip(spans, [next(predictions) for _ in spans], strict=True)
                    for label in wanted
                ),
                default=None,
                key=lambda found: found[0],
            )
            if best is None:
                out.append(None)
                continue
            score, label, span = best
            # the window that fired, in the text's own offsets (when the model read the text as it is)
            window = (spans.index(span) + 1, len(spans)) if len(spans) > 1 and part == text else None
            out.append(_Verdict(score, label, span, window))
        return out


class _Verdict(NamedTuple):
    """A label rule's strongest answer on one text: the label's probability, in the window ``span``
    (``window``: its number and the count, when the text was read in windows as written)."""

    score: float
    label: str
    span: tuple[int, int]
    window: tuple[int, int] | None


@register_detector
class EntitiesDetector(ModelDetector):
    name = "entities"
    category = "entity"
    description = (
        "A token-classification (NER) model from the workspace: fires on each entity of `types` "
        "(person, location...) with at least `min_score`; `action: mask` masks the entity."
    )
    placeholder = "ENTITY"
    pii = True
    priority = 5
    params: ClassVar = {
        "model": _MODEL,
        "types": Param(
            list, None, "Entity types that make the rule fire, e.g. [person, location].", required=True
        ),
        "min_score": Param((int, float), 0.5, "Lowest entity score that fires."),
        "optional": _OPTIONAL,
        "variant": _VARIANT,
        "batch_size": _BATCH,
    }

    @classmethod
    def check_model(cls, record: Any, settings: Mapping[str, Any]) -> dict[str, str]:
        from workbench.tasks import get_task

        if not hasattr(get_task(record.task), "predict_entities"):
            return {
                "model": f"model {record.id!r} is a {record.task} model: an `entities` rule needs a "
                "token-classification (NER) model"
            }
        return {}

    def candidates(self, loaded: Any, texts: list[str]) -> list[list[Candidate]]:
        types = {t.lower() for t in self.settings["types"]}
        threshold = self.settings["min_score"]
        return [
            [
                Candidate(s.start, s.end, f"{s.type} {s.score:.2f} via model {loaded.id}", s.score)
                for s in spans
                if s.type in types and s.score >= threshold
            ]
            for spans in predict_entities(loaded, texts)
        ]
