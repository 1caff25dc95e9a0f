"""audio_duration_filter: samples / rate per audio, any/all, bounds, other formats, bad files."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "audio_duration_filter"


def tone(path, seconds: float, rate: int = 8000, channels: int = 1, **kw) -> str:
    n = round(seconds * rate)
    y = 0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)
    sf.write(path, np.repeat(y[:, None], channels, axis=1), rate, **kw)
    return str(path)


@pytest.fixture(scope="module")
def wavs(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("aud")
    return {
        "0.5s": tone(d / "a.wav", 0.5),
        "1s": tone(d / "b.wav", 1.0, rate=16000, channels=2),
        "2.5s": tone(d / "c.flac", 2.5, rate=12000),
    }


def ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def test_durations_and_range(wavs, tmp_path) -> None:
    rows = [{"id": i, "text": "", "audios": [wavs[k]]} for i, k in enumerate(["0.5s", "1s", "2.5s"])]
    out = run_rows(rows, [{OP: {"min_duration": 0.75, "max_duration": 2}}], workdir=tmp_path / "a")
    assert ids(out) == [1] and out.stats("audio_duration") == [[1.0]]
    out = run_rows(rows, [OP], workdir=tmp_path / "b")
    assert out.stats("audio_duration") == [[0.5], [1.0], [2.5]]
    p = {"min_duration": 0.5, "max_duration": 2.5, "min_closed_interval": False, "max_closed_interval": False}
    assert ids(run_rows(rows, [{OP: p}], workdir=tmp_path / "c")) == [1]
    assert ids(run_rows(rows, [{OP: {"max_duration": 1, "reversed_range": True}}], workdir=tmp_path / "d")) == [1, 2]


def test_any_or_all_and_no_audio(wavs, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "audios": [wavs["0.5s"], wavs["2.5s"]]}, {"id": 1, "text": ""}]
    assert ids(run_rows(rows, [{OP: {"min_duration": 1}}], workdir=tmp_path / "a")) == [0, 1]
    out = run_rows(rows, [{OP: {"min_duration": 1, "any_or_all": "all"}}], workdir=tmp_path / "b")
    assert ids(out) == [1] and out.stats("audio_duration") == [[]]


def test_format_soundfile_cannot_read_goes_through_pyav(tmp_path) -> None:
    av = pytest.importorskip("av")
    path = str(tmp_path / "t.m4a")
    rate, n = 16000, 16000
    with av.open(path, "w") as out:
        stream = out.add_stream("aac", rate=rate, layout="mono")
        for start in range(0, n, 1024):
            y = (0.2 * np.sin(2 * np.pi * 300 * np.arange(start, min(start + 1024, n)) / rate)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(y[None, :], format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    got = run_rows([{"text": "", "audios": [path]}], [OP], workdir=tmp_path / "run").stats("audio_duration")
    assert got[0][0] == pytest.approx(1.0, abs=0.07)  # AAC pads to whole 1024-sample frames


def test_missing_and_corrupt_files_are_quarantined(wavs, tmp_path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEjunk" * 8)
    rows = [
        {"id": 0, "text": "", "audios": [wavs["1s"]]},
        {"id": 1, "text": "", "audios": [str(tmp_path / "gone.wav")]},
        {"id": 2, "text": "", "audios": [str(bad)]},
    ]
    out = run_rows(rows, [OP], workdir=tmp_path / "run")
    assert ids(out) == [0]
    errors = {e["sample"]["id"]: e["error"] for e in out.errors}
    assert "gone.wav" in errors[1] and "no such file" in errors[1]
    assert "bad.wav" in errors[2] and "cannot open audio" in errors[2]


def test_bad_parameter() -> None:
    with pytest.raises(ParamError, match="any_or_all"):
        run_rows([{"text": ""}], [{OP: {"any_or_all": "none"}}])
