"""The files an export writes from text: the Space's ``app.py`` and its Dockerfile."""

from __future__ import annotations

APP_PY = '''"""The Gradio demo of the workbench model `{model_id}`: `python app.py` (what the Space runs).

Written by `workbench export-space`. The model and the safety rules live in ./workspace; the workbench
itself is installed from ./wheels by requirements.txt. GRADIO_SERVER_NAME and GRADIO_SERVER_PORT choose
the address (a Space sets them; locally it is http://127.0.0.1:7860).
"""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODEL_ID = {model_id!r}

os.chdir(HERE)  # the workspace's relative paths (examples, an adapter's base) start here
os.environ["WORKBENCH_HOME"] = str(HERE / "workspace")  # this folder's workspace, not the user's
os.environ.setdefault("WORKBENCH_SAFETY_DEFAULT_RULES", str(HERE / "safety" / "default_rules.yaml"))


def build_demo():
    from workbench.serve.demo import build_demo as build_workbench_demo

    return build_workbench_demo({{MODEL_ID: MODEL_ID}})


demo = build_demo()

if __name__ == "__main__":
    demo.launch()
'''

DOCKERFILE_SPACE = """\
# The Space as a container (sdk: docker): `docker build -t space . && docker run -p {port}:{port} space`
FROM python:3.11-slim
RUN useradd --create-home --uid 1000 user
USER user
ENV HOME=/home/user PATH=/home/user/.local/bin:$PATH PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 \\
    GRADIO_SERVER_NAME=0.0.0.0 GRADIO_SERVER_PORT={port}
WORKDIR /home/user/app
COPY --chown=user requirements.txt ./
COPY --chown=user wheels ./wheels
RUN pip install --user -r requirements.txt
COPY --chown=user . .
EXPOSE {port}
CMD ["python", "app.py"]
"""


def app_py(model_id: str) -> str:
    return APP_PY.format(model_id=model_id)
