"""audio_nmf_snr_filter: NMF-based SNR per audio, checked against librosa + scikit-learn values."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows

OP = "audio_nmf_snr_filter"
RATE = 16000

#: Data-Juicer's computation (librosa 0.11 stft/istft + scikit-learn 1.9 NMF, run offline) on
#: the files made by ``noisy_tone`` below, with nmf_iter_num 50 and 500
REFERENCE = {
    ("clean", 50): 25.892927169799805,
    ("noisy", 50): 5.738710403442383,
    ("clean", 500): 29.33148193359375,
}


def noisy_tone(path, noise: float) -> str:
    t = np.arange(RATE) / RATE
    y = 0.5 * np.sin(2 * np.pi * 440 * t) + noise * np.random.default_rng(7).standard_normal(RATE)
    sf.write(path, np.clip(y, -1, 1), RATE, subtype="PCM_16")
    return str(path)


@pytest.fixture(scope="module")
def wavs(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("snr")
    return {"clean": noisy_tone(d / "clean.wav", 0.01), "noisy": noisy_tone(d / "noisy.wav", 0.4)}


def ids(out) -> list[int]:
    return [r["id"] for r in out.rows]


def test_matches_data_juicer_and_orders_noise(wavs, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "audios": [wavs["clean"]]}, {"id": 1, "text": "", "audios": [wavs["noisy"]]}]
    out = run_rows(rows, [{OP: {"min_snr": 10, "nmf_iter_num": 50}}], workdir=tmp_path / "a")
    assert ids(out) == [0]
    assert out.stats("audio_nmf_snr")[0][0] == pytest.approx(REFERENCE["clean", 50], rel=1e-5)
    out = run_rows(rows, [{OP: {"max_snr": 10, "nmf_iter_num": 50}}], workdir=tmp_path / "b")
    assert ids(out) == [1]
    assert out.stats("audio_nmf_snr")[0][0] == pytest.approx(REFERENCE["noisy", 50], rel=1e-5)


def test_default_iterations(wavs, tmp_path) -> None:
    out = run_rows([{"text": "", "audios": [wavs["clean"]]}], [OP], workdir=tmp_path)
    assert out.stats("audio_nmf_snr")[0][0] == pytest.approx(REFERENCE["clean", 500], rel=1e-5)


def test_any_or_all_and_no_audio(wavs, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "audios": [wavs["clean"], wavs["noisy"]]}, {"id": 1, "text": ""}]
    p = {"min_snr": 10, "nmf_iter_num": 50}
    assert ids(run_rows(rows, [{OP: p}], workdir=tmp_path / "a")) == [0, 1]
    out = run_rows(rows, [{OP: {**p, "any_or_all": "all"}}], workdir=tmp_path / "b")
    assert ids(out) == [1] and out.stats("audio_nmf_snr") == [[]]


def test_missing_file_is_quarantined(wavs, tmp_path) -> None:
    rows = [{"id": 0, "text": "", "audios": [wavs["noisy"]]}, {"id": 1, "text": "", "audios": [str(tmp_path / "x.wav")]}]
    out = run_rows(rows, [{OP: {"min_snr": -100, "nmf_iter_num": 5}}], workdir=tmp_path / "run")
    assert ids(out) == [0]
    assert "x.wav" in out.errors[0]["error"] and "no such file" in out.errors[0]["error"]


def test_bad_parameter() -> None:
    with pytest.raises(ParamError, match="nmf_iter_num"):
        run_rows([{"text": ""}], [{OP: {"nmf_iter_num": 0}}])
