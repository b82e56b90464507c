"""Compressed variants of a workspace model, and a measured side-by-side comparison.

Importing this package registers the variant builders (``VARIANTS``) and their loaders; torch,
transformers and onnxruntime are only imported when a variant is built, loaded or measured.

    build_variant("reviews-v1", "distill:3+int8", data="train.csv", columns=ColumnMap("text", "label"))
    table = compare_models("reviews-v1", "all", "test.csv", ColumnMap("text", "label"))
    plot_accuracy_vs_throughput(table)
"""

from workbench.variants import distill, layers, lora, onnx, precision, prune, quantize  # noqa: F401
from workbench.variants.base import (
    VARIANTS,
    BuildContext,
    Built,
    VariantBuilder,
    compatible_variants,
    get_builder,
    list_variants,
    register_variant,
)
from workbench.variants.build import build_variant
from workbench.variants.compare import COLUMN_HELP, COMPARISON_COLUMNS, compare_models, descendants
from workbench.variants.onnx import is_onnxruntime_available
from workbench.variants.plots import pareto_front, plot_accuracy_vs_size, plot_accuracy_vs_throughput
from workbench.variants.quantize import quantize_linear_int8
from workbench.variants.spec import VariantSpec, VariantStep, parse_variant_spec

__all__ = [
    "COLUMN_HELP",
    "COMPARISON_COLUMNS",
    "VARIANTS",
    "BuildContext",
    "Built",
    "VariantBuilder",
    "VariantSpec",
    "VariantStep",
    "build_variant",
    "compare_models",
    "compatible_variants",
    "descendants",
    "get_builder",
    "is_onnxruntime_available",
    "list_variants",
    "pareto_front",
    "parse_variant_spec",
    "plot_accuracy_vs_size",
    "plot_accuracy_vs_throughput",
    "quantize_linear_int8",
    "register_variant",
]
