"""The workspace confines every path: `..`, absolute paths, symlinks and globs that leave the root are refused."""

from __future__ import annotations

import os

import pytest

from recipe_copilot.tools import Workspace, inspect_dataset, validate_recipe
from recipe_copilot.tools.errors import PathNotFoundError, WorkspacePathError


def test_relative_and_absolute_paths_inside_the_root_resolve(workspace):
    ws = Workspace(workspace)
    assert ws.resolve("data/web.jsonl") == workspace.resolve() / "data" / "web.jsonl"
    assert ws.resolve(workspace / "data" / "web.jsonl", must_exist=True).name == "web.jsonl"
    assert ws.resolve("data/../data/web.jsonl").name == "web.jsonl"
    assert ws.relative(workspace / "data" / "web.jsonl") == "data/web.jsonl"


@pytest.mark.parametrize("path", ["../outside.jsonl", "/etc/passwd", "data/../../x", "~/x.jsonl"])
def test_paths_outside_the_root_are_refused_with_the_path_and_the_root(workspace, path):
    ws = Workspace(workspace)
    with pytest.raises(WorkspacePathError) as info:
        ws.resolve(path)
    err = info.value.to_error()
    assert err.code == "path_outside_workspace"
    assert repr(path) in err.message and str(ws.root) in err.message
    assert err.details["root"] == str(ws.root)


def test_a_symlink_out_of_the_root_is_refused(workspace, tmp_path):
    secret = tmp_path / "secret.jsonl"
    secret.write_text('{"text": "secret"}\n')
    os.symlink(secret, workspace / "data" / "link.jsonl")
    with pytest.raises(WorkspacePathError):
        Workspace(workspace).resolve("data/link.jsonl")


def test_a_folder_holding_a_symlink_out_is_refused_file_by_file(ctx, workspace, tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.jsonl").write_text('{"text": "outside"}\n')
    os.symlink(tmp_path / "other" / "x.jsonl", workspace / "data" / "x.jsonl")
    res = inspect_dataset(ctx, {"path": "data"})
    assert not res.ok and res.error.code == "path_outside_workspace"
    assert "x.jsonl" in res.error.message


def test_globs_are_checked_before_the_wildcard_and_after_expansion(ctx):
    assert inspect_dataset(ctx, {"path": "data/*.jsonl", "n": 1}).ok
    res = inspect_dataset(ctx, {"path": "../*/web.jsonl"})
    assert res.error.code == "path_outside_workspace"


def test_missing_paths_say_what_the_root_holds(workspace):
    with pytest.raises(PathNotFoundError) as info:
        Workspace(workspace).resolve("nope.jsonl", must_exist=True)
    assert "data/" in info.value.hint


def test_the_root_must_be_an_existing_folder(tmp_path):
    with pytest.raises(WorkspacePathError):
        Workspace(tmp_path / "missing")


def test_engine_recipes_get_absolute_confined_paths(workspace):
    ws = Workspace(workspace)
    recipe, warnings = ws.engine_recipe({"dataset_path": "data/web.jsonl", "use_cache": True,
                                         "process": [{"text_length_filter": {"min_len": 5}}]})
    assert recipe.dataset_path == str(ws.root / "data" / "web.jsonl")
    assert recipe.export_path == str(ws.root / "outputs" / "hello_world" / "hello_world.jsonl")
    assert any("use_cache" in w for w in warnings)


@pytest.mark.parametrize("mapping", [
    {"export_path": "../out.jsonl"},
    {"work_dir": "/tmp"},
    {"process": [{"flagged_words_filter": {"flagged_words_dir": "../lists"}}]},
])
def test_every_recipe_path_is_confined_including_op_file_params(ctx, mapping):
    res = validate_recipe(ctx, {"source": {"recipe": {"dataset_path": "data/web.jsonl", **mapping}}})
    assert not res.ok and res.error.code == "path_outside_workspace"
