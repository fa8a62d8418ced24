#!/usr/bin/env bash
# Reproduces models/face_cascade.f32, the weights of the MTCNN face cascade
# (P-, R- and O-Net), from the PyPI package that ships them: mtcnn 0.1.1 (MIT),
# data/mtcnn_weights.npy. The file is every weight array, net by net in the
# package's own order (Keras layouts: kernels HWIO, dense kernels in × out,
# PReLU slopes per channel), flattened row-major, as little-endian f32: the
# layout `src/face/cascade/nets.rs` reads. It is byte-for-byte reproducible,
# so the check compares bytes. With --write, replaces the committed file.
set -euo pipefail
# shellcheck source=venv.sh
. "$(dirname "$0")/venv.sh"
pip install -q numpy==2.4.6
pip download -q --no-deps -d "$work" mtcnn==0.1.1
python3 - "$work"/mtcnn-0.1.1-py3-none-any.whl "$work/face_cascade.f32" <<'PY'
import hashlib, io, sys, zipfile
import numpy as np
wheel, out = sys.argv[1], sys.argv[2]
expected = "fd69d2f4dd10647dd7481a53b9586e805f35a17c61ac78ba472a7f53766eb86e"
got = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
if got != expected:
    sys.exit(f"unexpected wheel: {got}")
raw = zipfile.ZipFile(wheel).read("mtcnn/data/mtcnn_weights.npy")
weights = np.load(io.BytesIO(raw), allow_pickle=True).tolist()
with open(out, "wb") as f:
    for net in ("pnet", "rnet", "onet"):
        for a in weights[net]:
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
PY
if [ "${1:-}" = "--write" ]; then
    cp "$work/face_cascade.f32" "$here/models/face_cascade.f32"
    echo "wrote models/face_cascade.f32"
elif cmp -s "$work/face_cascade.f32" "$here/models/face_cascade.f32"; then
    echo "models/face_cascade.f32 is the same as the one made from mtcnn 0.1.1"
else
    echo "models/face_cascade.f32 differs from the one made from mtcnn 0.1.1" >&2
    exit 1
fi
