"""Every op module registers exactly one op named after its file, with a documented Params model."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from recipe_copilot.engine.docs import COMMON_PARAMS, list_ops, op_doc
from recipe_copilot.engine.errors import UnknownOpError
from recipe_copilot.engine.ops import OP_PACKAGES, get_op_class, registry
from recipe_copilot.engine.ops.base import Filter, FilterParams, Op, OpParams


def _op_modules():
    for package in OP_PACKAGES:
        pkg = importlib.import_module(f"recipe_copilot.engine.ops.{package}")
        for info in pkgutil.iter_modules(pkg.__path__):
            yield package, info.name, importlib.import_module(f"{pkg.__name__}.{info.name}")


def test_every_module_defines_one_op_named_after_its_file():
    seen = set()
    for package, name, module in _op_modules():
        ops = [c for c in vars(module).values() if inspect.isclass(c) and issubclass(c, Op) and c.__module__ == module.__name__]
        assert len(ops) == 1, module.__name__
        assert ops[0].name == name
        assert package.rstrip("s") == ops[0].kind or (package, ops[0].kind) == ("deduplicators", "deduplicator")
        seen.add(name)
    assert seen == {n for n, c in registry().items() if c.__module__.startswith("recipe_copilot.engine.ops.")}


def test_every_own_parameter_has_a_description():
    for name, cls in registry().items():
        base = FilterParams if issubclass(cls, Filter) else OpParams
        assert issubclass(cls.Params, base), name
        for pname, info in cls.Params.model_fields.items():
            if pname not in COMMON_PARAMS:
                assert info.description, f"{name}.{pname} has no description"
        assert cls.summary(), f"{name} has no docstring"


def test_op_docs_are_generated_from_params():
    doc = op_doc(get_op_class("text_length_filter"))
    assert doc["type"] == "filter"
    assert doc["stat_key"] == "text_len"
    names = [p["name"] for p in doc["params"]]
    assert names == ["text_key", "min_len", "max_len"]
    assert {d["name"] for d in list_ops(kind="mapper")} <= {n for n, c in registry().items() if c.kind == "mapper"}


def test_unknown_op_names_the_closest():
    with pytest.raises(UnknownOpError) as exc:
        get_op_class("text_lenght_filter")
    assert "text_length_filter" in str(exc.value)


def test_op_without_params_model_is_rejected_at_definition():
    with pytest.raises(TypeError, match="must declare"):
        type("Bad", (Filter,), {"__module__": "recipe_copilot.engine.ops.filters.bad_filter"})
