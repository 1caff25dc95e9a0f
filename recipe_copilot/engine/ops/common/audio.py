"""Audio files for the audio ops: decode to mono float32 as Data-Juicer does, and cheap probes.

Data-Juicer decodes audio through ``datasets.Audio`` (FFmpeg via torchcodec): all samples as
float32 in [-1, 1], averaged over the channels, at the file's own sampling rate. Here
soundfile (libsndfile) reads what it can (WAV, FLAC, OGG, ...; the same PCM-to-float scaling)
and PyAV (FFmpeg) the rest (MP3, M4A, ...). Failures raise :class:`MediaError` naming the path.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

from recipe_copilot.engine.ops.common.video import MediaError, _check_path, _reason

__all__ = ["MediaError", "audio_duration", "load_audio"]


def load_audio(path: Any) -> tuple[np.ndarray, int]:
    """``(samples, sampling_rate)``: mono float32 samples (the mean of the channels)."""
    _check_path(path, "audio")
    import soundfile

    try:
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except soundfile.LibsndfileError:
        data, rate = _decode_with_av(path)
    except Exception as exc:
        msg = f"cannot open audio {path!r}: {_reason(exc)}"
        raise MediaError(msg) from None
    mono = data[:, 0] if data.shape[1] == 1 else np.mean(data, axis=1, dtype=np.float32)
    return np.ascontiguousarray(mono), int(rate)


def audio_duration(path: Any) -> float:
    """Seconds of audio: decoded samples / sampling rate (from the header where it is exact)."""
    _check_path(path, "audio")
    st = os.stat(path)
    return _duration(path, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=4096)
def _duration(path: str, _size: int, _mtime: int) -> float:
    import soundfile

    try:
        info = soundfile.info(path)
    except Exception:
        info = None
    if info is not None and info.format in _EXACT_HEADER_FORMATS and info.frames > 0:
        return info.frames / info.samplerate
    samples, rate = load_audio(path)
    return len(samples) / rate


#: containers whose header frame count equals the number of decoded samples
_EXACT_HEADER_FORMATS = frozenset({"WAV", "WAVEX", "AIFF", "AU", "CAF", "W64", "RF64", "FLAC"})


def _first_audio_stream(container: Any, path: str) -> Any:
    if not container.streams.audio:
        msg = f"cannot open audio {path!r}: it has no audio stream"
        raise MediaError(msg)
    return container.streams.audio[0]


def _decode_with_av(path: str) -> tuple[np.ndarray, int]:
    import av

    try:
        with av.open(path) as container:
            stream = _first_audio_stream(container, path)
            resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=stream.rate)
            chunks = [
                out.to_ndarray()
                for frame in container.decode(stream)
                for out in resampler.resample(frame)
            ]
            chunks += [out.to_ndarray() for out in resampler.resample(None)]
            rate = stream.rate
    except MediaError:
        raise
    except Exception as exc:
        msg = f"cannot open audio {path!r}: {_reason(exc)}"
        raise MediaError(msg) from None
    if not chunks:
        msg = f"cannot open audio {path!r}: no audio samples"
        raise MediaError(msg)
    planar = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
    return planar.T, rate


# --------------------------------------------------------------------------- NMF SNR
#: librosa's STFT defaults, which Data-Juicer's audio_nmf_snr_filter uses
_N_FFT, _HOP = 2048, 512


@lru_cache(maxsize=1)
def _hann() -> np.ndarray:
    """scipy's periodic Hann window (``get_window("hann", n)``), computed the same way."""
    angles = np.linspace(-np.pi, np.pi, _N_FFT + 1)
    window = np.zeros(_N_FFT + 1)
    window += 0.5 * np.cos(0 * angles)
    window += 0.5 * np.cos(angles)
    return window[:-1]


def _stft(y: np.ndarray) -> np.ndarray:
    """librosa.stft(y) with its defaults: centred (zero padding), Hann, (freq, frames)."""
    if not np.all(np.isfinite(y)):
        msg = "audio has non-finite samples"
        raise ValueError(msg)
    padded = np.pad(y, _N_FFT // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, _N_FFT)[::_HOP]
    out_dtype = np.complex64 if y.dtype == np.float32 else np.complex128
    return np.fft.rfft(_hann() * frames, axis=-1).astype(out_dtype).T


def _istft(spec: np.ndarray) -> np.ndarray:
    """librosa.istft(spec) with its defaults: overlap-add, window-sum normalisation, centred."""
    real = np.float32 if spec.dtype == np.complex64 else np.float64
    n_frames = spec.shape[1]
    full = np.zeros(_N_FFT + _HOP * (n_frames - 1), dtype=real)
    norm = np.zeros_like(full)
    window = _hann()
    chunks = window * np.fft.irfft(spec.T, n=_N_FFT, axis=-1)
    square = window**2
    for i in range(n_frames):  # frame by frame: the same rounding as librosa's loop
        full[i * _HOP : i * _HOP + _N_FFT] += chunks[i]
        norm[i * _HOP : i * _HOP + _N_FFT] += square
    half = _N_FFT // 2
    y = full[half : len(full) - half]
    norm = norm[half : len(full) - half]
    nonzero = norm > np.finfo(real).tiny
    y[nonzero] /= norm[nonzero]
    return y


def _nmf_cd(x: np.ndarray, n_components: int, max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's NMF (init 'random', random_state 0, solver 'cd', tol 1e-4) of ``x``:
    ``(W, H)`` with ``x ~ W @ H``. Coordinate descent as sklearn's Cython loop does it, with
    the rows of one component updated at once (each row's update only reads that row)."""
    rng = np.random.RandomState(0)
    avg = np.sqrt(x.mean() / n_components)
    h = np.abs(avg * rng.standard_normal(size=(n_components, x.shape[1])).astype(x.dtype, copy=False))
    w = np.abs(avg * rng.standard_normal(size=(x.shape[0], n_components)).astype(x.dtype, copy=False))
    w = np.ascontiguousarray(w)
    ht = np.ascontiguousarray(h.T)
    first = None
    for _ in range(max_iter):
        violation = _cd_pass(w, np.dot(ht.T, ht), x @ ht)
        violation += _cd_pass(ht, np.dot(w.T, w), x.T @ w)
        if first is None:
            first = violation
        if first == 0 or violation / first <= 1e-4:
            break
    return w, ht.T


def _cd_pass(w: np.ndarray, hht: np.ndarray, xht: np.ndarray) -> float:
    parts = []
    for t in range(w.shape[1]):
        grad = -xht[:, t]
        for r in range(w.shape[1]):
            grad = grad + hht[t, r] * w[:, r]
        parts.append(np.abs(np.where(w[:, t] == 0, np.minimum(grad, 0), grad)))
        hess = hht[t, t]
        if hess != 0:
            w[:, t] = np.maximum(w[:, t] - grad / hess, 0)
    # sklearn sums the violation one element at a time in the array's precision
    return float(np.cumsum(np.concatenate(parts), dtype=w.dtype)[-1]) if parts else 0.0


def nmf_snr(samples: np.ndarray, nmf_iter: int = 500) -> float:
    """Data-Juicer's NMF signal-to-noise ratio (dB) of mono ``samples``.

    The magnitude spectrogram is split by a 2-component NMF; component 0 counts as signal,
    component 1 as noise. Each is turned back into audio with a zero phase (Data-Juicer takes
    the phase of the magnitude, which is 0), and the SNR is 10 log10 of their mean powers.
    """
    s = np.abs(_stft(samples))
    x = s.T.reshape((s.shape[-1], -1), order="F")
    acts, comps = _nmf_cd(x, 2, nmf_iter)
    basis, gains = comps.T, acts.T
    phase = np.exp(1j * np.angle(s))
    signal = _istft(np.dot(basis[:, 0:1], gains[0:1, :]) * phase)
    noise = _istft(np.dot(basis[:, 1:2], gains[1:2, :]) * phase)
    p_signal, p_noise = np.mean(signal**2), np.mean(noise**2)
    if p_noise == 0:
        return float(np.finfo(np.float64).max)
    return float(10 * np.log10(p_signal / p_noise))
