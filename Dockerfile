# The serving gateway (`workbench serve`) in a container: CPU torch, non-root, the workspace a volume.
#   docker build -t workbench .
#   docker run --rm -v workbench-data:/workspace workbench keys add app        # prints the key once
#   docker run --rm -v workbench-data:/workspace workbench deploy support MODEL_ID
#   docker run -d -p 8000:8000 -v workbench-data:/workspace workbench      # serve --host 0.0.0.0
# Without an API key the server binds to 127.0.0.1 inside the container only (see README).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WORKBENCH_HOME=/workspace TOKENIZERS_PARALLELISM=false
RUN useradd --create-home --uid 1000 workbench \
    && mkdir -p /workspace && chown workbench:workbench /workspace

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
COPY workbench ./workbench
COPY explain ./explain
COPY assets ./assets
# The project's dependencies at exactly the versions of requirements.lock, used as constraints without
# its hashes (pip refuses hash-checking for a project folder, and the lock's dev tools stay out);
# torch is the CPU build from PyTorch's index.
RUN sed -n 's/^\([A-Za-z0-9._-]*==[^ ]*\).*/\1/p' requirements.lock > /tmp/constraints.txt \
    && pip install --extra-index-url https://download.pytorch.org/whl/cpu -c /tmp/constraints.txt . \
    && rm /tmp/constraints.txt
# The default safety rules live beside the package, not in it.
ENV WORKBENCH_SAFETY_DEFAULT_RULES=/app/assets/safety/default_rules.yaml

USER workbench
VOLUME /workspace
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/v1/ready', timeout=4)"]
ENTRYPOINT ["workbench"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
