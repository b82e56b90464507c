"""The Streamlit adapter of the workbench: what pages share.

``session`` (per-session state and upload folder), ``layout`` (the frame every page draws),
``forms`` (widgets from spec metadata), ``run_panel`` (a fragment polling a training run),
``resources`` (cached models, lazy and serialized model-library imports), ``errors`` (``guard``:
what to do for a mistake, a short note and the log tail for a crash), ``charts`` and ``highlight``
(pure renderings), and one ``*_views`` module per page with more than a few widgets. Only this
package and ``workbench.serve`` may import streamlit.
"""
