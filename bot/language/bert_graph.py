"""The ONNX graph of a BERT sentence encoder (mean pooling, L2 norm), built from its weights.

Input `input_ids` (batch, tokens) of one length, no padding; output `sentence_embedding`
(batch, hidden). The operations are BERT's as Hugging Face's BertModel runs them: word + position
+ token-type-0 embeddings, LayerNorm, then per layer self-attention and an erf-GELU feed-forward,
each with a residual LayerNorm. Weight names are BertModel's.
"""

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper


class GraphBuilder:
    """Writes nodes and weights straight into one ModelProto's graph: the weights are about 90 MB,
    and every copy of them (make_graph, make_model, the checker) cost about half a second at each
    server start. tests/language/test_encoder.py runs ONNX's checker on the result instead."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""
        self.weights = {name[len(prefix):]: value for name, value in weights.items() if name.startswith(prefix)}
        self.model = onnx.ModelProto(ir_version=8, opset_import=[helper.make_opsetid("", 17)])
        self.graph = self.model.graph
        self.constants: set[str] = set()
        self.node_count = 0

    def constant(self, name: str, value: Any) -> str:
        if name not in self.constants:
            array = np.asarray(value)
            tensor = self.graph.initializer.add(name=name, dims=array.shape,
                                                data_type=helper.np_dtype_to_tensor_dtype(array.dtype))
            tensor.raw_data = array.tobytes()
            self.constants.add(name)
        return name

    def weight(self, name: str, transpose: bool = False) -> str:
        value = self.weights[name].astype(np.float32)
        return self.constant(name, value.T.copy() if transpose else value)

    def op(self, kind: str, inputs: list[str], output: str | None = None, **attributes: Any) -> str:
        output = output or f"{kind.lower()}_{self.node_count}"
        self.graph.node.append(helper.make_node(kind, inputs, [output], **attributes))
        self.node_count += 1
        return output

    def linear(self, x: str, name: str) -> str:
        product = self.op("MatMul", [x, self.weight(f"{name}.weight", transpose=True)])
        return self.op("Add", [product, self.weight(f"{name}.bias")])

    def layer_norm(self, x: str, name: str, epsilon: float) -> str:
        return self.op("LayerNormalization", [x, self.weight(f"{name}.weight"), self.weight(f"{name}.bias")],
                       axis=-1, epsilon=epsilon)


def bert_sentence_graph(weights: dict[str, np.ndarray], spec: dict[str, Any]) -> bytes:
    heads, hidden, epsilon = int(spec["heads"]), int(spec["hidden_size"]), float(spec["layer_norm_eps"])
    g = GraphBuilder(weights)
    ids = "input_ids"
    length = g.op("Gather", [g.op("Shape", [ids]), g.constant("one", np.array(1, np.int64))], axis=0)
    positions = g.op("Range", [g.constant("zero", np.array(0, np.int64)), length, g.constant("one", np.array(1, np.int64))])
    token_type = g.constant("token_type_0", g.weights["embeddings.token_type_embeddings.weight"][0].astype(np.float32))
    x = g.op("Add", [g.op("Gather", [g.weight("embeddings.word_embeddings.weight"), ids]),
                     g.op("Gather", [g.weight("embeddings.position_embeddings.weight"), positions])])
    x = g.layer_norm(g.op("Add", [x, token_type]), "embeddings.LayerNorm", epsilon)
    split_heads = g.constant("split_heads", np.array([0, 0, heads, hidden // heads], np.int64))
    join_heads = g.constant("join_heads", np.array([0, 0, hidden], np.int64))
    scale = g.constant("scale", np.array(np.sqrt(hidden // heads), np.float32))
    for index in range(int(spec["layers"])):
        name = f"encoder.layer.{index}"
        query, key, value = (
            g.op("Transpose", [g.op("Reshape", [g.linear(x, f"{name}.attention.self.{part}"), split_heads])],
                 perm=[0, 2, 1, 3])
            for part in ("query", "key", "value"))
        scores = g.op("Div", [g.op("MatMul", [query, g.op("Transpose", [key], perm=[0, 1, 3, 2])]), scale])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), value])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), join_heads])
        attended = g.op("Add", [g.linear(context, f"{name}.attention.output.dense"), x])
        x = g.layer_norm(attended, f"{name}.attention.output.LayerNorm", epsilon)
        x = g.layer_norm(g.op("Add", [g.linear(gelu(g, g.linear(x, f"{name}.intermediate.dense")),
                                               f"{name}.output.dense"), x]),
                         f"{name}.output.LayerNorm", epsilon)
    pooled = g.op("ReduceMean", [x], axes=[1], keepdims=0)
    g.op("Div", [pooled, g.op("ReduceL2", [pooled], axes=[1], keepdims=1)], output="sentence_embedding")
    g.graph.name = "sentence_encoder"
    g.graph.input.append(helper.make_tensor_value_info(ids, TensorProto.INT64, ["batch", "tokens"]))
    g.graph.output.append(helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden]))
    return g.model.SerializeToString()


def gelu(g: GraphBuilder, x: str) -> str:
    """0.5 x (1 + erf(x / sqrt 2)), the exact GELU BERT uses (onnxruntime fuses it)."""
    inner = g.op("Erf", [g.op("Div", [x, g.constant("sqrt2", np.array(np.sqrt(2.0), np.float32))])])
    return g.op("Mul", [g.op("Mul", [x, g.constant("half", np.array(0.5, np.float32))]),
                        g.op("Add", [inner, g.constant("one_float", np.array(1.0, np.float32))])])
