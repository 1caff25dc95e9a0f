"""Image helpers shared by the image ops: Data-Juicer's decoding, clear errors, produced files.

- :func:`load_image`: open, decode, apply the EXIF orientation, convert to RGB (what
  Data-Juicer's ``load_image`` gives through ``datasets.Image``).
- :func:`image_dims`: (width, height) after the EXIF orientation, from the header only.
- :func:`row_images`: the image paths of each row (a missing or empty field reads as ``[]``).
- :func:`keep_any_or_all`: Data-Juicer's any/all rule over per-image flags;
  :func:`keep_items_in_range`: that rule over a filter's per-item stat tested against a range.
- :func:`image_hash`: imagededup's perceptual hashes (Data-Juicer's image_deduplicator).
- :func:`load_face_detector` / :func:`detect_faces` / :class:`FaceDetector` /
  :func:`batch_faces`: OpenCV Haar face detection as Data-Juicer runs it (gray by OpenCV,
  boxes clipped to the image); :class:`FaceFilter` is the base of the face filters.
- :func:`produced_path` / :func:`save_image`: where an op writes an image it changed, with
  Data-Juicer's naming (``__dj__produced_data__/<op>/<name>__dj_hash_#<hash>#<ext>``), and
  an atomic write; :func:`rewrite_images` swaps paths and keeps ``__dj__source_file__``.

Every failure to read a file raises :class:`MediaError` naming the path and the reason; the
op base then quarantines that sample alone.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from pydantic import Field
from scipy.fft import dct

from recipe_copilot.engine.ops.base import Filter, OpParams
from recipe_copilot.engine.sample import SOURCE_FILE, SampleBatch

__all__ = [
    "DEFAULT_CASCADE",
    "PRODUCED_DIR",
    "FaceDetector",
    "FaceFilter",
    "MediaError",
    "batch_dims",
    "batch_faces",
    "blur_filter",
    "detect_faces",
    "image_dims",
    "image_hash",
    "keep_any_or_all",
    "keep_items_in_range",
    "load_face_detector",
    "load_image",
    "produced_path",
    "rewrite_images",
    "row_bytes",
    "row_images",
    "save_image",
    "size_to_bytes",
]

#: Data-Juicer's folder for files its ops produce, next to the input files
PRODUCED_DIR = "__dj__produced_data__"
_ORIENTATION = 0x0112
#: EXIF orientations that swap width and height
_TRANSPOSED = {5, 6, 7, 8}
_HASH_TAG = re.compile(r"__dj_hash_#(.*?)#")
_UNITS = {"kb": 10, "mb": 20, "gb": 30, "tb": 40, "pb": 50, "eb": 60, "zb": 70, "yb": 80}


class MediaError(Exception):
    """A media file that cannot be read; the message names the path and the reason."""


def _fail(path: Any, exc: BaseException) -> MediaError:
    if isinstance(exc, FileNotFoundError):
        why = "file not found"
    elif isinstance(exc, IsADirectoryError):
        why = "is a directory"
    elif isinstance(exc, PermissionError):
        why = "permission denied"
    elif isinstance(exc, UnidentifiedImageError):
        why = "not a recognised image format"
    else:
        why = f"{type(exc).__name__}: {exc}"
    shown = "<bytes>" if isinstance(path, bytes) else path
    return MediaError(f"cannot open image {shown!r}: {why}")


def _open(source: str | bytes) -> Image.Image:
    if isinstance(source, bytes):
        return Image.open(io.BytesIO(source))
    if not isinstance(source, str):
        msg = f"image path is {type(source).__name__}, expected str"
        raise MediaError(msg)
    return Image.open(source)


def load_image(source: str | bytes) -> Image.Image:
    """Decode an image file (or its bytes) as Data-Juicer does: EXIF-oriented, RGB."""
    try:
        img = _open(source)
        img.load()
        if img.getexif().get(_ORIENTATION) is not None:
            img = ImageOps.exif_transpose(img)
        return img.convert("RGB")
    except MediaError:
        raise
    except Exception as exc:  # PIL raises many types for bad files
        raise _fail(source, exc) from exc


def image_dims(source: str | bytes) -> tuple[int, int]:
    """(width, height) of the EXIF-oriented image, read from the header without decoding."""
    try:
        with _open(source) as img:
            w, h = img.size
            if img.getexif().get(_ORIENTATION) in _TRANSPOSED:
                w, h = h, w
            return w, h
    except MediaError:
        raise
    except Exception as exc:
        raise _fail(source, exc) from exc


def row_images(values: Sequence[Any]) -> list[list]:
    """The image list of each row; ``None`` or an empty value reads as no images, a bare path as one."""
    return [[v] if isinstance(v, str) and v else list(v) if v else [] for v in values]


def row_bytes(batch_column: Sequence[Any], paths: Sequence[list]) -> list[list | None]:
    """Per row, the image bytes when the row carries one per image (Data-Juicer then uses them)."""
    out: list[list | None] = []
    for raw, ps in zip(batch_column, paths, strict=True):
        ok = isinstance(raw, list) and len(raw) == len(ps) and all(isinstance(b, bytes) for b in raw)
        out.append(raw if ok else None)
    return out


def batch_dims(batch: SampleBatch, image_key: str, bytes_key: str, rows: list[int]) -> list[list]:
    """Per row of ``rows``, the (width, height) of each image; shared by the ops of a batch."""

    all_bytes = batch.column(bytes_key)

    def compute(values: list, byte_values: list = all_bytes) -> list[list]:
        paths = row_images(values)
        raw = row_bytes(byte_values, paths)
        seen: dict[str, tuple[int, int]] = {}
        out = []
        for ps, bs in zip(paths, raw, strict=True):
            if bs is not None:
                out.append([image_dims(b) for b in bs])
                continue
            dims = []
            for p in ps:
                if (d := seen.get(p)) is None:
                    d = seen[p] = image_dims(p)
                dims.append(d)
            out.append(dims)
        return out

    if len(rows) == len(batch):
        return batch.cached(("image_dims", bytes_key), image_key, compute)
    column = batch.column(image_key)
    return compute([column[i] for i in rows], [all_bytes[i] for i in rows])


def keep_any_or_all(flags_per_row: Sequence[Sequence[bool]], mode: str) -> list[bool]:
    """Keep a row if any (or all) of its images pass; a row without images is kept."""
    test = any if mode == "any" else all
    return [test(flags) if len(flags) else True for flags in flags_per_row]


def keep_items_in_range(op: Filter, batch: SampleBatch, lo: float | None, hi: float | None) -> list[bool]:
    """Keep per row by ``op.params.any_or_all`` over its items of the stat ``op.stat_key`` (a
    list per row), each tested by ``op.in_range(lo, hi)``; a row without items is kept."""
    flags = [op.in_range(list(v) if v is not None else [], lo, hi) for v in batch.get_stat(op.stat_key)]
    return keep_any_or_all(flags, op.params.any_or_all)


def size_to_bytes(size: str) -> int:
    """Data-Juicer's size parser: digits only (``"1.5MB"`` reads as 15 MB), binary units."""
    digits = "".join(c for c in size if c.isdigit())
    if not digits:
        msg = f"size {size!r} has no number"
        raise ValueError(msg)
    number = int(digits)
    unit = "".join(c for c in size if c.isalpha()).lower()
    if not unit:
        return number
    shift = _UNITS.get(unit.replace("ib", "b"))
    if shift is None:
        msg = f"size {size!r} has an unknown unit {unit!r} (use B, KB, MB, GB, TB, ... or KiB, MiB, ...)"
        raise ValueError(msg)
    return number << shift


def produced_path(original: str, op_name: str, save_dir: str | None, params: dict) -> str:
    """Where an op writes its edited copy of ``original``, named as Data-Juicer names it.

    ``save_dir`` if given, else ``$DJ_PRODUCED_DATA_DIR/<op>``, else
    ``<folder of original>/__dj__produced_data__/<op>`` (an original already inside such a
    folder maps to the same folder). The file keeps its name and extension with
    ``__dj_hash_#<sha256>#`` appended (replacing an earlier one). The hash covers the op's
    parameters and the original's absolute path, so it is the same on every run.
    """
    if save_dir:
        folder = os.path.abspath(save_dir)
    elif env := os.environ.get("DJ_PRODUCED_DATA_DIR"):
        folder = os.path.join(os.path.abspath(env), op_name)
    else:
        folder = os.path.dirname(original)
        folder = folder.split(f"/{PRODUCED_DIR}/")[0]
        folder = os.path.join(folder, PRODUCED_DIR, op_name)
    key = repr(sorted({**params, "__op__": op_name, "__source__": os.path.abspath(original)}.items()))
    digest = hashlib.sha256(key.encode()).hexdigest()
    stem, ext = os.path.splitext(os.path.basename(original))
    if m := _HASH_TAG.search(stem):
        stem = stem[: m.start()]
    return os.path.join(folder, f"{stem}__dj_hash_#{digest}#{ext}")


def save_image(img: Image.Image, path: str, like: str) -> None:
    """Write ``img`` to ``path`` atomically (temp file + rename), in the format of ``like``."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fmt = Image.registered_extensions().get(os.path.splitext(like)[1].lower())
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.splitext(path)[1])
    try:
        with os.fdopen(fd, "wb") as fh:
            img.save(fh, format=fmt or "PNG")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------- perceptual hashes
#: resize target (width, height) of each hash method, as in the imagededup hashers
_HASH_SIZE = {"phash": (32, 32), "dhash": (9, 8), "ahash": (8, 8), "whash": (256, 256)}
_HAAR = 0.7071067811865476


def _haar_ll(x: np.ndarray, levels: int) -> np.ndarray:
    """Approximation coefficients of a ``levels``-deep 2-D Haar wavelet decomposition."""
    for _ in range(levels):
        x = _HAAR * x[0::2] + _HAAR * x[1::2]
        x = _HAAR * x[:, 0::2] + _HAAR * x[:, 1::2]
    return x


def image_hash(img: Image.Image, method: str) -> str:
    """The 16-hex-digit hash imagededup's ``PHash``/``DHash``/``AHash``/``WHash`` gives ``img``.

    The RGB image is resized with Lanczos, turned grayscale (8-bit), then: phash compares
    the 8x8 lowest frequencies of its 2-D DCT-II with their median (DC excluded); dhash
    compares each pixel with its left neighbour; ahash compares pixels with the mean; whash
    compares the 8x8 Haar approximation (5 levels) with its median. Bits pack row-major.
    """
    small = img.resize(_HASH_SIZE[method], Image.LANCZOS).convert("L")
    arr = np.asarray(small, dtype=np.uint8)
    if method == "phash":
        coef = dct(dct(arr, axis=0), axis=1)[:8, :8]
        bits = coef >= np.median(coef.ravel()[1:])
    elif method == "dhash":
        bits = arr[:, 1:] > arr[:, :-1]
    elif method == "ahash":
        bits = arr >= np.mean(arr)
    else:
        ll = _haar_ll(arr / 255, 5)
        bits = ll >= np.median(ll)
    return np.packbits(bits).tobytes().hex()


# ----------------------------------------------------------------- faces (OpenCV Haar cascades)
#: Data-Juicer's default cascade, shipped with opencv-python(-headless) 4.x
DEFAULT_CASCADE = "haarcascade_frontalface_alt.xml"


def load_face_detector(cv_classifier: str, needed_by: str) -> Any:
    """An OpenCV cascade classifier from ``cv_classifier`` ("" = Data-Juicer's default)."""
    import cv2  # the op declares it in `requires`

    from recipe_copilot.engine.errors import MissingDependencyError, ParamError

    if not hasattr(cv2, "CascadeClassifier"):  # OpenCV 5 dropped the Haar cascades
        package = "opencv-python-headless<5"
        raise MissingDependencyError(package, needed_by=needed_by)
    path = cv_classifier or os.path.join(cv2.data.haarcascades, DEFAULT_CASCADE)
    detector = cv2.CascadeClassifier(path) if os.path.isfile(path) else None
    if detector is None or detector.empty():
        msg = f"parameter 'cv_classifier': cannot load an OpenCV cascade from {path!r}"
        raise ParamError(msg)
    return detector


def detect_faces(img: Image.Image, detector: Any, options: dict) -> list[tuple[int, int, int, int]]:
    """Face boxes (x, y, w, h) in an RGB image, clipped to it, as Data-Juicer detects them."""
    import cv2

    gray = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2GRAY)
    boxes = []
    for x, y, w, h in detector.detectMultiScale(gray, **options):
        x, y = max(int(x), 0), max(int(y), 0)
        boxes.append((x, y, min(int(w), img.width - x), min(int(h), img.height - y)))
    return boxes


class FaceDetectParams(OpParams):
    """The parameters :class:`FaceDetector` reads, as Data-Juicer's face ops name them; an op's
    ``Params`` inherits them beside its own base (``FilterParams`` or ``OpParams``)."""

    cv_classifier: str = Field("", description="Path of an OpenCV cascade XML ('' = frontal face alt).")
    scaleFactor: float = Field(1.1, gt=1, description="detectMultiScale: image scale step.")
    minNeighbors: int = Field(3, ge=0, description="detectMultiScale: neighbours a face needs.")
    minSize: tuple[int, int] | None = Field(None, description="detectMultiScale: smallest face (w, h).")
    maxSize: tuple[int, int] | None = Field(None, description="detectMultiScale: largest face (w, h).")


class FaceDetector:
    """An op's face detection: its cascade (``cv_classifier``) and ``detectMultiScale`` options
    (``scaleFactor``, ``minNeighbors``, ``minSize``, ``maxSize``), read from its params."""

    def __init__(self, params: Any, needed_by: str) -> None:
        self.cascade = load_face_detector(params.cv_classifier, needed_by=needed_by)
        self.options = {
            "scaleFactor": params.scaleFactor,
            "minNeighbors": params.minNeighbors,
            "minSize": params.minSize,
            "maxSize": params.maxSize,
        }
        #: what the faces found depend on (batch cache key)
        self.key = ("faces", params.cv_classifier, repr(sorted(self.options.items())))

    def detect(self, img: Image.Image) -> list[tuple[int, int, int, int]]:
        """Face boxes (x, y, w, h) in ``img`` (see :func:`detect_faces`)."""
        return detect_faces(img, self.cascade, self.options)


def batch_faces(batch: SampleBatch, image_key: str, bytes_key: str, rows: list[int], faces: FaceDetector) -> list[list]:
    """Per row of ``rows``, (face boxes, image size) per image; shared by the face ops of a batch
    (the cache is per classifier and options)."""
    all_bytes = batch.column(bytes_key)

    def compute(values: list, byte_values: list = all_bytes) -> list[list]:
        paths = row_images(values)
        raw = row_bytes(byte_values, paths)
        seen: dict[str, tuple] = {}
        out = []
        for ps, bs in zip(paths, raw, strict=True):
            found = []
            for p, src in zip(ps, bs or ps, strict=True):
                if (f := seen.get(p)) is None or bs is not None:
                    img = load_image(src)
                    f = seen[p] = (faces.detect(img), img.size)
                found.append(f)
            out.append(found)
        return out

    if len(rows) == len(batch):
        return batch.cached((*faces.key, bytes_key), image_key, compute)
    column = batch.column(image_key)
    return compute([column[i] for i in rows], [all_bytes[i] for i in rows])


class FaceFilter(Filter):
    """Keep samples whose images' face stat is in range; any_or_all decides over a sample's images.

    An op sets ``stat_key``, ``bounds`` (the names of its min and max parameters), a ``Params``
    with the :class:`FaceDetector` parameters and ``any_or_all``, and fills in
    :meth:`image_stat`. A sample without images is kept.
    """

    #: the op's (min, max) parameter names
    bounds: ClassVar[tuple[str, str]]
    cost = 20.0
    reads_text = False
    requires = ("cv2",)
    extra = "media"

    def setup(self) -> None:
        self.faces = FaceDetector(self.params, needed_by=f"op {self.name!r}")

    def image_stat(self, boxes: list[tuple[int, int, int, int]], size: tuple[int, int]) -> Any:
        """The stat of one image from its face boxes (x, y, w, h) and its (width, height)."""
        raise NotImplementedError

    def compute_stats_rows(self, batch: SampleBatch, rows: list[int]) -> list:
        found = batch_faces(batch, self.params.image_key, self.params.image_bytes_key, rows, self.faces)
        return [[self.image_stat(boxes, size) for boxes, size in images] for images in found]

    def keep_batch(self, batch: SampleBatch) -> list[bool]:
        lo, hi = (getattr(self.params, name) for name in self.bounds)
        return keep_items_in_range(self, batch, lo, hi)


# ----------------------------------------------------------------- mappers that rewrite images
def blur_filter(blur_type: str, radius: float) -> ImageFilter.Filter:
    """Data-Juicer's blur kernels: PIL's BLUR (mean), BoxBlur or GaussianBlur of ``radius``."""
    if blur_type == "mean":
        return ImageFilter.BLUR
    if blur_type == "box":
        return ImageFilter.BoxBlur(radius)
    return ImageFilter.GaussianBlur(radius)


def rewrite_images(batch: SampleBatch, image_key: str, edit: Callable[[str], str]) -> None:
    """Replace each image path by ``edit(path)`` (the path of the edited copy, or the same).

    Each distinct path of a sample is edited once. ``__dj__source_file__`` is kept as
    Data-Juicer keeps it: the sample's paths before the first such op, then, for a path an
    op replaces, the path it had before that op. A sample without images gets ``[]``.
    """
    new_images, new_sources = [], []
    for paths, sources in zip(batch.column(image_key), batch.column(SOURCE_FILE), strict=True):
        if not paths:
            new_images.append(paths)
            new_sources.append([])
            continue
        done: dict[str, str] = {}
        for path in paths:
            if path not in done:
                done[path] = edit(path)
        sources = list(sources) if sources else list(paths)
        for i, path in enumerate(paths):
            if i < len(sources) and sources[i] != path and done[path] != path:
                sources[i] = path
        new_images.append([done[p] for p in paths])
        new_sources.append(sources)
    batch.set_column(image_key, new_images)
    batch.set_column(SOURCE_FILE, new_sources)
