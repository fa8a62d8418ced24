"""Used by convert-models.sh. Two changes to the selfie segmenter as tf2onnx leaves it:

1. Replaces MediaPipe's custom Convolution2DTransposeBias (left as a TFL_ node by
   tf2onnx) with ONNX ConvTranspose between two Transposes.
2. Rewrites its three bilinear 2x upsamplings (Resize, half-pixel centres) as
   slices, weighted sums and an interleave. tract runs Resize through a generic
   path that took 7-9 ms of the segmenter's 22-26 ms on one core; the rewrite
   takes about 2 ms and computes the same up to float rounding (checked here with
   ONNX's reference evaluator)."""
import sys, onnx, numpy as np
from onnx import helper, numpy_helper, shape_inference
from onnx.reference import ReferenceEvaluator

src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
inits = {i.name: i for i in g.initializer}

# 1. The custom transposed convolution.
idx, node = next((i, n) for i, n in enumerate(g.node) if n.op_type == "TFL_Convolution2DTransposeBias")
w = numpy_helper.to_array(inits[node.input[1]])   # OHWI (1, 2, 2, 16)
b = numpy_helper.to_array(inits[node.input[2]])   # (1,)
wt = np.ascontiguousarray(w.transpose(3, 0, 1, 2))  # (I, O, kH, kW)
g.initializer.extend([numpy_helper.from_array(wt, "segment_w"), numpy_helper.from_array(b, "segment_b")])
out = node.output[0]
new = [
    helper.make_node("Transpose", [node.input[0]], ["segment_nchw_in"], perm=[0, 3, 1, 2], name="segment_to_nchw"),
    helper.make_node("ConvTranspose", ["segment_nchw_in", "segment_w", "segment_b"], ["segment_nchw_out"],
                     strides=[2, 2], kernel_shape=[2, 2], name="segment_deconv"),
    helper.make_node("Transpose", ["segment_nchw_out"], [out], perm=[0, 2, 3, 1], name="segment_to_nhwc"),
]
del g.node[idx]
for k, n in enumerate(new):
    g.node.insert(idx + k, n)
# drop the custom domain the converter declared for the TFL_ op
keep = [o for o in m.opset_import if o.domain in ("", "ai.onnx")]
del m.opset_import[:]
m.opset_import.extend(keep)
onnx.checker.check_model(m)
before = onnx.ModelProto()
before.CopyFrom(m)

# 2. The upsamplings. With half-pixel centres, output 2i of a 2x linear resize is
# 3/4 of input i plus 1/4 of input i-1, and output 2i+1 is 3/4 of input i plus
# 1/4 of input i+1; at the borders the missing neighbour is the edge itself.
shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
          for v in shape_inference.infer_shapes(m).graph.value_info}
arrays = {i.name: numpy_helper.to_array(i) for i in g.initializer}


def const(name, value):
    g.initializer.append(numpy_helper.from_array(np.asarray(value), name))
    return name


quarter, three_quarters = const("up2_quarter", np.float32(0.25)), const("up2_three_quarters", np.float32(0.75))
nodes = []


def upsample(x, axis, y, p, width):
    """2x along `axis` (2: rows, 3: columns) of an NCHW tensor."""
    i64 = lambda name, v: const(f"{p}_{name}", np.array(v, np.int64))
    ax = i64("axis", [axis])
    end = i64("end", [2**31 - 1])
    nodes.extend([
        helper.make_node("Slice", [x, i64("zero", [0]), i64("one", [1]), ax], [p + "_first"]),
        helper.make_node("Slice", [x, p + "_zero", i64("minus_one", [-1]), ax], [p + "_head"]),
        helper.make_node("Concat", [p + "_first", p + "_head"], [p + "_prev"], axis=axis),
        helper.make_node("Slice", [x, p + "_one", end, ax], [p + "_tail"]),
        helper.make_node("Slice", [x, p + "_minus_one", end, ax], [p + "_last"]),
        helper.make_node("Concat", [p + "_tail", p + "_last"], [p + "_next"], axis=axis),
        helper.make_node("Mul", [x, three_quarters], [p + "_main"]),
        helper.make_node("Mul", [p + "_prev", quarter], [p + "_prev_q"]),
        helper.make_node("Mul", [p + "_next", quarter], [p + "_next_q"]),
        helper.make_node("Add", [p + "_main", p + "_prev_q"], [p + "_even"]),
        helper.make_node("Add", [p + "_main", p + "_next_q"], [p + "_odd"]),
        helper.make_node("Unsqueeze", [p + "_even", i64("pair_axis", [axis + 1])], [p + "_even1"]),
        helper.make_node("Unsqueeze", [p + "_odd", p + "_pair_axis"], [p + "_odd1"]),
        helper.make_node("Concat", [p + "_even1", p + "_odd1"], [p + "_pair"], axis=axis + 1),
        helper.make_node("Reshape", [p + "_pair", i64("shape", [0, 0, 0, -1] if axis == 3 else [0, 0, -1, width])], [y]),
    ])


for n in g.node:
    if n.op_type != "Resize":
        nodes.append(n)
        continue
    attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
    if (attrs.get("mode") != b"linear" or attrs.get("coordinate_transformation_mode") != b"half_pixel"
            or arrays[n.input[2]].tolist() != [1.0, 1.0, 2.0, 2.0]):
        sys.exit(f"selfie_surgery: unexpected Resize {n.name}: {attrs}")
    y = n.output[0]
    upsample(n.input[0], 3, y + "_columns", n.name + "_w", None)
    upsample(y + "_columns", 2, y, n.name + "_h", shapes[y][3])
del g.node[:]
g.node.extend(nodes)
onnx.checker.check_model(m)

x = np.random.default_rng(2026).random((1, 256, 256, 3), dtype=np.float32)
feed = {g.input[0].name: x}
a = ReferenceEvaluator(before).run(None, feed)[0]
b = ReferenceEvaluator(m).run(None, feed)[0]
if not np.allclose(a, b, atol=1e-5):
    sys.exit(f"selfie_surgery: the upsampling rewrite changed the output by {np.abs(a - b).max()}")
onnx.save(m, dst)
