"""Run Rasa's prediction graph in a plain loop instead of through dask.

Rasa 3.6 runs its model graph (tokenizer, featurizers, classifier, policies) with dask's
synchronous scheduler three to four times per patient message: once to parse it and once for
each action it predicts. The graph is a short chain that dask cannot parallelise anyway, and under
load the scheduling itself (building the task graph, ordering it, firing tasks) took about 9% of
the Rasa server's CPU, by profile.

`SequentialGraphRunner` runs the same nodes in a dependency order computed once per set of
targets, with the same inputs and outputs: each node still gets `(node_name, output)` tuples, and a
dependency nobody provides is passed as its bare name, exactly as dask does, so the node reports
the missing input in Rasa's own words.
"""

from __future__ import annotations

from typing import Any

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

Order = list[tuple[str, tuple[str, ...]]]  # (node name, the names it needs), dependencies first


class SequentialGraphRunner(DaskGraphRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: dict[tuple[str, ...], Order] = {}

    def run(
        self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
    ) -> dict[str, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        results: dict[str, Any] = {}
        for input_name, input_value in (inputs or {}).items():
            if isinstance(input_value, str) and input_value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{input_value}' clashes with a node name. Make sure that none "
                    f"of the input names passed to the `run` method are the same as node names "
                    f"in the graph schema."
                )
            results[input_name] = (input_name, input_value)
        try:
            for node_name, needs in self._execution_order(run_targets):
                node_inputs = [results.get(need, need) for need in needs]
                results[node_name] = self._instantiated_nodes[node_name](*node_inputs)
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)

    def _execution_order(self, targets: tuple[str, ...]) -> Order:
        """Every node the targets depend on, each after all of its dependencies (computed once
        per set of targets; Rasa asks for only a few)."""
        if targets not in self._orders:
            self._orders[targets] = self._order_nodes(targets)
        return self._orders[targets]

    def _order_nodes(self, targets: tuple[str, ...]) -> Order:
        nodes = self._graph_schema.minimal_graph_schema(list(targets)).nodes
        ordered: Order = []
        placed: set[str] = set()

        def place(node_name: str) -> None:
            if node_name in placed or node_name not in nodes:
                return
            placed.add(node_name)
            needs = tuple(nodes[node_name].needs.values())
            for need in needs:
                place(need)
            ordered.append((node_name, needs))

        for target in targets:
            place(target)
        return ordered


def apply() -> None:
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
