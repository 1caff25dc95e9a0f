"""Generate mixed-quality text samples, offline and deterministic (seeded).

The clean prose comes from the Python documentation that ships with CPython
(``pydoc_data.topics``): real English paragraphs. Defects a cleaning recipe should catch are
planted on purpose: e-mails, links, IP addresses, HTML, copyright headers, mojibake,
repeated lines and n-grams, link farms, spam, base64 blobs, very short and very long
documents, exact and near duplicates, a little Chinese, and (optionally) malformed lines.

Usage:
    python scripts/make_sample_data.py OUT.jsonl [--n 3000] [--seed 0] [--malformed 1]
"""

from __future__ import annotations

import argparse
import base64
import json
import pydoc_data.topics
import random
from pathlib import Path

_ZH = [
    "数据清洗是训练大模型之前最重要的步骤之一。",
    "我们需要删除重复的网页和质量很低的文本。",
    "这个配方会过滤掉太短的文档，并去掉电子邮件地址。",
    "高质量的训练数据可以显著提升模型的效果。",
    "请在运行完整任务之前先在小样本上试运行。",
]
_SPAM = "buy now cheap best price click here free shipping "
_NAV = ["Home", "About", "Contact", "Blog", "Login", "Sign up", "Privacy", "Terms", "Careers", "Help"]


def _paragraphs() -> list[str]:
    paras = []
    for text in pydoc_data.topics.topics.values():
        for p in text.split("\n\n"):
            p = " ".join(p.split())
            if 80 < len(p) < 2000 and not p.startswith(("*", ">>>", "|")):
                paras.append(p)
    return sorted(set(paras))


def _mojibake(text: str) -> str:
    return text.replace("'", "\u2019").encode("utf-8").decode("cp1252", errors="replace")


def make_samples(n: int, seed: int = 0) -> list[dict]:
    """``n`` samples (dicts with ``text`` and ``meta``), about 60% clean."""
    rng = random.Random(seed)
    paras = _paragraphs()
    out: list[dict] = []
    for i in range(n):
        text = "\n".join(rng.sample(paras, rng.randint(1, 6)))
        kind = rng.choices(
            ["clean", "email", "link", "ip", "html", "copyright", "mojibake", "repeat_lines", "spam",
             "nav", "blob", "short", "long", "dup", "near_dup", "zh"],
            weights=[60, 4, 4, 2, 4, 2, 2, 3, 3, 3, 2, 4, 1, 3, 2, 1],
        )[0]
        if kind == "email":
            text += f"\nContact {rng.choice(['jane', 'ops', 'info'])}.{i}@example.{rng.choice(['com', 'org'])} for details."
        elif kind == "link":
            text += f"\nRead more at https://docs.example.org/page/{i}?ref=feed and http://mirror.example.net/{i}."
        elif kind == "ip":
            text += f"\nServer 192.168.{i % 256}.{(i * 7) % 256} answered."
        elif kind == "html":
            text = f"<html><body><div class=\"post\"><p>{text}</p><br/><a href=\"/x\">more</a></div></body></html>"
        elif kind == "copyright":
            text = f"/* Copyright (c) 20{10 + i % 15} Example Corp. All rights reserved. */\n{text}"
        elif kind == "mojibake":
            text = _mojibake(text + " It’s “quoted” — café naïve résumé.")
        elif kind == "repeat_lines":
            line = rng.choice(paras)[:120]
            text = "\n".join([line] * rng.randint(5, 12) + [text])
        elif kind == "spam":
            text = _SPAM * rng.randint(10, 40)
        elif kind == "nav":
            text = "\n".join(rng.sample(_NAV, len(_NAV)) * 3) + "\n" + rng.choice(paras)[:100]
        elif kind == "blob":
            text += "\n" + base64.b64encode(rng.randbytes(600)).decode()
        elif kind == "short":
            text = rng.choice(["ok", "Thanks!", "see above", "lol", "N/A", "test"])
        elif kind == "long":
            text = "\n".join(rng.sample(paras, min(60, len(paras))))
        elif kind == "dup" and out:
            text = rng.choice(out)["text"]
        elif kind == "near_dup" and out:
            words = rng.choice(out)["text"].split(" ")
            j = rng.randrange(len(words))
            words[j] = words[j].upper()
            text = " ".join(words)
        elif kind == "zh":
            text = "".join(rng.choices(_ZH, k=rng.randint(3, 10)))
        out.append({"text": text, "meta": {"id": i, "source": rng.choice(["crawl-a", "crawl-b", "forum"]),
                                           "kind": kind}})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--malformed", type=int, default=0, help="malformed lines to plant")
    args = ap.parse_args()
    samples = make_samples(args.n, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed + 1)
    bad_at = set(rng.sample(range(len(samples)), min(args.malformed, len(samples))))
    with open(args.out, "w", encoding="utf-8") as fh:
        for i, s in enumerate(samples):
            fh.write(json.dumps(s, ensure_ascii=False) + "\n")
            if i in bad_at:
                fh.write('{"text": "this line was cut off mid-wri\n')
    print(f"wrote {len(samples)} samples to {args.out}")


if __name__ == "__main__":
    main()
