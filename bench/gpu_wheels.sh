#!/usr/bin/env bash
# Wheels the engine needs beside torch/transformers/numpy on the GPU machine (Python 3.12,
# no pydantic there), for bench/gpu_check.py. Run here, then carry bench/gpu_wheels/:
#   bash bench/gpu_wheels.sh
#   (on the GPU machine) pip install --no-index --find-links bench/gpu_wheels bench/gpu_wheels/*.whl
#                        PYTHONPATH=. python bench/gpu_check.py --out "$OUT/gpu_check.json"
set -euo pipefail
dest="$(dirname "$0")/gpu_wheels"
mkdir -p "$dest"
pip download -c constraints.txt --only-binary=:all: --python-version 3.12 --platform manylinux2014_x86_64 \
  --platform manylinux_2_17_x86_64 --no-deps -d "$dest" \
  pydantic pydantic-core annotated-types typing-inspection typing-extensions pyyaml orjson regex xxhash \
  zstandard click rich markdown-it-py mdurl pygments
du -sh "$dest"
