"""Used by convert-models.sh. Replaces MediaPipe's custom Convolution2DTransposeBias (left as a TFL_ node by
tf2onnx) with ONNX ConvTranspose between two Transposes."""
import sys, onnx, numpy as np
from onnx import helper, numpy_helper
src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
inits = {i.name: i for i in g.initializer}
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
onnx.save(m, dst)
