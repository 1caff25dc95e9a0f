"""Turn a validated recipe into stages.

A stage is one streaming pass over the data: the batch ops (mappers and filters) that run
fused on every chunk, then the map side of the global ops (deduplicators, selectors) that
end the stage. Consecutive global ops share one pass: their keys are computed together and
their reduce sides run one after the other. Within a run of consecutive filters (no mapper
in between), filters are ordered cheapest first: filters commute, so the kept samples and
their stats are the same, and the expensive ones see fewer samples. A filter that reads
other filters' stats (``general_field_filter`` on ``__dj__stats__``) is a barrier.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from recipe_copilot.engine.recipe import OpSpec, Recipe

__all__ = ["Plan", "Stage", "plan_recipe"]


@dataclass
class Stage:
    """One pass: ``ops`` fused per chunk, then the keys of ``global_ops``."""

    ops: list[OpSpec] = field(default_factory=list)
    global_ops: list[OpSpec] = field(default_factory=list)


@dataclass
class Plan:
    """The stages of a recipe and the notes on how it was rearranged."""

    stages: list[Stage]
    notes: list[str] = field(default_factory=list)

    @property
    def order(self) -> list[OpSpec]:
        """Every op in execution order."""
        return [spec for st in self.stages for spec in (*st.ops, *st.global_ops)]

    def explain(self) -> str:
        """A readable description of the plan (``copilot run --explain``)."""
        lines = []
        for i, st in enumerate(self.stages, 1):
            src = "input" if i == 1 else f"output of stage {i - 1}"
            lines.append(f"stage {i}: one streaming pass over the {src}")
            if not st.ops and not st.global_ops:
                lines.append("  (read and export only)")
            for spec in st.ops:
                cls = spec.op_class
                lines.append(f"  {cls.kind:<8} {spec.name}  {_params(spec)}")
            for spec in st.global_ops:
                lines.append(f"  {'global':<8} {spec.name}  {_params(spec)} (keys per chunk, decision over all)")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _params(spec: OpSpec) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in spec.own_params().items())


def plan_recipe(recipe: Recipe, *, reorder: bool = True) -> Plan:
    """Split ``recipe.process`` into stages and order filters cheapest first."""
    stages = [Stage()]
    notes: list[str] = []
    run: list[OpSpec] = []  # a run of consecutive filters

    def flush() -> None:
        if not run:
            return
        ordered = sorted(run, key=lambda s: s.op_class.cost) if reorder else list(run)
        if [s.index for s in ordered] != [s.index for s in run]:
            notes.append("filters reordered cheapest first: " + " -> ".join(s.name for s in ordered))
        stages[-1].ops.extend(ordered)
        run.clear()

    for spec in recipe.process:
        kind = spec.op_class.kind
        if kind == "filter":
            if stages[-1].global_ops:
                stages.append(Stage())
            if spec.op_class.reads_stats(spec.params):  # must stay after the filters before it
                flush()
                stages[-1].ops.append(spec)
                continue
            run.append(spec)
            continue
        flush()
        if kind == "mapper":
            if stages[-1].global_ops:
                stages.append(Stage())
            stages[-1].ops.append(spec)
        else:
            stages[-1].global_ops.append(spec)
    flush()
    if len(stages) > 1 and not stages[-1].ops and not stages[-1].global_ops:
        stages.pop()
    if stages[-1].global_ops:
        stages.append(Stage())  # the pass that applies the last decision and exports
    return Plan(stages, notes)
