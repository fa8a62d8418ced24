"""Used by convert-models.sh. Rewrites each ONNX PRelu of the face mesh as
Relu(x) + Min(x, 0) * slope.

tract runs PRelu as three passes over the tensor (a comparison, a select and a
multiply), which took about 2 ms of the mesh's 9-10 ms on one core. The
rewrite gives tract two fused element-wise chains instead. It computes the same
numbers bit for bit: for every x one of the two terms is exactly zero. The
script checks that with ONNX's reference evaluator before saving."""
import sys, onnx, numpy as np
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
g.initializer.extend([numpy_helper.from_array(np.zeros((), np.float32), "prelu_zero")])
nodes = []
for n in g.node:
    if n.op_type != "PRelu":
        nodes.append(n)
        continue
    (x, slope), y = n.input, n.output[0]
    k = n.name or y
    nodes += [
        helper.make_node("Relu", [x], [k + "_pos"], name=k + "_relu"),
        helper.make_node("Min", [x, "prelu_zero"], [k + "_neg"], name=k + "_min"),
        helper.make_node("Mul", [k + "_neg", slope], [k + "_neg_scaled"], name=k + "_scale"),
        helper.make_node("Add", [k + "_pos", k + "_neg_scaled"], [y], name=k + "_add"),
    ]
del g.node[:]
g.node.extend(nodes)
onnx.checker.check_model(m)

x = np.random.default_rng(2026).random((1, 3, 192, 192), dtype=np.float32) * 2 - 1
feed = {g.input[0].name: x}
before = ReferenceEvaluator(onnx.load(src)).run(None, feed)
after = ReferenceEvaluator(m).run(None, feed)
if any(not np.array_equal(a, b) for a, b in zip(before, after)):
    sys.exit("prelu_surgery: the rewritten mesh computes different numbers")
onnx.save(m, dst)
