#!/usr/bin/env bash
# The whole GPU measurement of issue 17 in one device call, about 6 minutes on one H100/H200 (270 s + 75 s + setup):
# wheels the GPU image lacks (carried in .whl/), then benchmarks/gpu/run.py's stages in priority order
# (device + bf16 peak, Qwen3-Embedding-4B vs sentence-transformers + query latency, 1M x 1024 top-10,
# 0.6B, 8B), then the `gpu` pytest marker's tests. Every result lands in $OUT as soon as it is measured:
#   results.jsonl  one JSON object per measurement, appended and synced at once (survives a kill)
#   lease.log      everything printed, with timestamps     env.txt  nvidia-smi, versions, wheels
#   summary.md     the tables for benchmarks/RESULTS.md    results.json  all rows (at the end of run.py)
#   pytest.log     pytest -m gpu on the CUDA test files
# Wheels first: bash benchmarks/gpu/fetch_wheels.sh. Run from the repository root:  bash benchmarks/gpu/lease.sh   (RUN_LIMIT/TEST_LIMIT override seconds)
# On CPU, the whole script end to end:  WHEELS=none OUT=/tmp/lease bash benchmarks/gpu/lease.sh --smoke
set -u
OUT=${OUT:-benchmarks/out/lease}
mkdir -p "$OUT"
RUN_LIMIT=${RUN_LIMIT:-270}
TEST_LIMIT=${TEST_LIMIT:-75}
exec > >(tee -a "$OUT/lease.log") 2>&1
stamp() { echo "[$(date -u +%H:%M:%S)] $*"; }
stamp "lease start in $PWD"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_PROGRESS_BARS=1
export TOKENIZERS_PARALLELISM=true PYTHONPATH="$PWD"
WHEELS=${WHEELS:-.whl}  # WHEELS=none: use what is installed (a CPU check of this script)
if ls "$WHEELS"/*.whl >/dev/null 2>&1; then
  if python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$WHEELS"/*.whl; then
    export PYTHONPATH="/tmp/site:$PWD"
  else
    stamp "wheel install failed: going on without them"
  fi
fi
{
  nvidia-smi 2>&1 | head -20
  python3 -V
  python3 -m pip list 2>/dev/null | grep -iE '^(torch|transformers|sentence-transformers|tokenizers|safetensors|numpy|flash.attn|faiss|triton) '
  ls -la .whl 2>/dev/null
  df -h /dev/shm /tmp 2>/dev/null
  command -v git
} > "$OUT/env.txt" 2>&1
stamp "wheels ready; run.py (limit ${RUN_LIMIT}s)"
timeout -k 5 "$RUN_LIMIT" python3 benchmarks/gpu/run.py --out-dir "$OUT" \
  --deadline $((RUN_LIMIT - 30)) --hard-limit $((RUN_LIMIT - 15)) "$@"
stamp "run.py exit $?"
stamp "pytest -m gpu (limit ${TEST_LIMIT}s)"
PER_TEST=$(python3 -c 'import pytest_timeout' 2>/dev/null && echo "--timeout 80")
timeout -k 5 "$TEST_LIMIT" python3 -m pytest -m gpu -q -p no:cacheprovider $PER_TEST \
  tests/embedding/test_qwen3_cuda.py tests/indexer/test_gpu_search.py tests/codesearch/test_gpu_searcher.py \
  tests/rerank/test_qwen3_reranker.py tests/benchmarks/test_gpu_smoke.py > "$OUT/pytest.log" 2>&1
stamp "pytest exit $?"
tail -15 "$OUT/pytest.log"
stamp "lease end"
sleep 1  # let tee flush lease.log
