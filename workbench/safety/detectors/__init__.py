"""Built-in safety detectors, registered by name in ``DETECTORS``.

Importing this package registers every built-in detector (one small module per family); a rule file
refers to them by name (``detector: email``). To add a detector, subclass ``Detector`` or
``PatternDetector`` in a module imported here and decorate it with ``@register_detector``.
"""

from __future__ import annotations

from workbench.safety.detectors import (
    checksums,
    contact,
    custom,
    injection,
    model,
    output,
    sanity,
    secrets,
)
from workbench.safety.detectors.base import (
    DETECTORS,
    Candidate,
    Detector,
    Param,
    PatternDetector,
    register_detector,
)
from workbench.safety.detectors.output import OutputDetector

BUILTIN_MODULES = (checksums, contact, custom, injection, model, output, sanity, secrets)

__all__ = [
    "BUILTIN_MODULES",
    "DETECTORS",
    "Candidate",
    "Detector",
    "OutputDetector",
    "Param",
    "PatternDetector",
    "register_detector",
]
