"""audio_size_filter: file sizes in bytes against Data-Juicer's size strings."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "audio_size_filter"


@pytest.fixture(scope="module")
def wavs(tmp_path_factory) -> dict[int, str]:
    d = tmp_path_factory.mktemp("aud")
    out = {}
    for n in (1000, 8000, 20000):  # mono PCM16 WAV: 44-byte header + 2 bytes per sample
        path = d / f"s{n}.wav"
        sf.write(path, np.zeros(n), 8000, subtype="PCM_16")
        out[44 + 2 * n] = str(path)
    return out


def ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def rows_of(wavs) -> list[dict]:
    return [{"id": i, "text": "", "audios": [p]} for i, p in enumerate(wavs.values())]


def test_sizes_and_units(wavs, tmp_path) -> None:
    out = run_rows(rows_of(wavs), [OP], workdir=tmp_path / "a")
    assert out.stats("audio_sizes") == [[2044], [16044], [40044]]
    # KB and KiB are both 1024 bytes; 16KB = 16384
    assert ids(run_rows(rows_of(wavs), [{OP: {"min_size": "3KB", "max_size": "16KiB"}}], workdir=tmp_path / "b")) == [1]
    assert ids(run_rows(rows_of(wavs), [{OP: {"max_size": "16044"}}], workdir=tmp_path / "c")) == [0, 1]
    p = {"max_size": "16044", "max_closed_interval": False}
    assert ids(run_rows(rows_of(wavs), [{OP: p}], workdir=tmp_path / "d")) == [0]


def test_only_digits_count(wavs, tmp_path) -> None:
    # as in Data-Juicer, "1.5KB" reads as 15 KB = 15360 bytes
    out = run_rows(rows_of(wavs), [{OP: {"min_size": "1.5KB"}}], workdir=tmp_path)
    assert ids(out) == [1, 2]


def test_any_or_all_and_no_audio(wavs, tmp_path) -> None:
    small, big = wavs[2044], wavs[40044]
    rows = [{"id": 0, "text": "", "audios": [small, big]}, {"id": 1, "text": ""}]
    assert ids(run_rows(rows, [{OP: {"min_size": "10KB"}}], workdir=tmp_path / "a")) == [0, 1]
    out = run_rows(rows, [{OP: {"min_size": "10KB", "any_or_all": "all"}}], workdir=tmp_path / "b")
    assert ids(out) == [1] and out.stats("audio_sizes") == [[]]


def test_missing_file_is_quarantined(wavs, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "audios": [wavs[2044]]}, {"id": 1, "text": "", "audios": [str(tmp_path / "no.wav")]}]
    out = run_rows(rows, [OP], workdir=tmp_path / "run")
    assert ids(out) == [0]
    assert "no.wav" in out.errors[0]["error"] and "cannot open audio" in out.errors[0]["error"]


def test_bad_sizes() -> None:
    with pytest.raises(ParamError, match="max_size"):
        run_rows([{"text": ""}], [{OP: {"max_size": "10XB"}}])
    with pytest.raises(ParamError, match="min_size"):
        run_rows([{"text": ""}], [{OP: {"min_size": "MB"}}])
