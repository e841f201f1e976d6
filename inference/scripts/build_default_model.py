#!/usr/bin/env python3
"""Builds the small default model offline: a WordPiece tokenizer and a tiny BERT classifier (negative/positive).

Nothing is downloaded. The tokenizer is trained on a built-in toy corpus, the model is initialised with a fixed
seed and trained for a few steps on the same corpus, so its outputs follow the words, not noise. Both are saved
with `save_pretrained`, i.e. in exactly the format a user's own model has (see README, "Your own model").

Usage: build_default_model.py [--output DIR] [--force]     (skips when DIR already holds a model)
       build_default_model.py --output /tmp/bench-model --hidden-size 256 --layers 4 --heads 4   (a heavier one)
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "models" / "default"
SEED = 1234
LABELS = ("negative", "positive")
MARKER_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")

_POSITIVE = [
    "good", "great", "excellent", "wonderful", "fantastic", "pleasant", "helpful", "fast", "reliable", "lovely",
]
_NEGATIVE = ["bad", "terrible", "awful", "horrible", "poor", "annoying", "useless", "slow", "broken", "disappointing"]
_SUBJECTS = ["the film", "this product", "the service", "our trip", "the food", "the update", "my order", "the app"]
_FRAMES = ["{s} was {a}", "{s} is really {a}", "i think {s} was {a}", "honestly {s} felt {a}", "{a}, {s} was {a}"]


def toy_corpus() -> list[tuple[str, int]]:
    """(text, label) pairs: every subject × frame × adjective, labelled by the adjective's polarity."""
    rows = []
    for subject, frame in itertools.product(_SUBJECTS, _FRAMES):
        rows += [(frame.format(s=subject, a=a), 1) for a in _POSITIVE]
        rows += [(frame.format(s=subject, a=a), 0) for a in _NEGATIVE]
    return rows


SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tokenizer(texts: list[str]):
    """A BERT-style WordPiece tokenizer whose vocabulary is learnt from `texts`, reproducibly.

    The vocabulary is every word of the corpus (ordered by count, then alphabetically) plus every printable ASCII
    character as a word start and as a `##` continuation, so unseen words split into pieces instead of [UNK].
    (`tokenizers`' WordPieceTrainer breaks ties between equally frequent merges differently from run to run,
    which would make every build, and so the model's content hash, differ.)
    """
    from collections import Counter

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    normalizer = normalizers.BertNormalizer(lowercase=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    counts = Counter(
        word for text in texts for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))
    )
    alphabet = [chr(c) for c in range(33, 127)]
    tokens = SPECIALS + alphabet + ["##" + c for c in alphabet]
    tokens += [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if w not in tokens]
    tok = Tokenizer(models.WordPiece({token: i for i, token in enumerate(tokens)}, unk_token="[UNK]"))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.WordPiece()
    return tok


def is_built(output: Path) -> bool:
    return all((output / name).is_file() for name in MARKER_FILES)


def build(output: Path, *, steps: int, threads: int, hidden: int = 128, layers: int = 2, heads: int = 2) -> None:
    import torch
    from tokenizers import processors
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    torch.manual_seed(SEED)
    random.seed(SEED)
    torch.set_num_threads(threads)
    corpus = toy_corpus()
    texts = [text for text, _ in corpus]

    tok = build_tokenizer(texts)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    # Saved as tokenizer_class "BertTokenizer": AutoTokenizer loads it like any BERT tokenizer.
    tokenizer = BertTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=512,
    )

    config = BertConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=2 * hidden, max_position_embeddings=512, num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)},
        pad_token_id=tok.token_to_id("[PAD]"),
    )
    model = BertForSequenceClassification(config)

    # A few steps of plain supervised training: enough for "great" vs "awful" to move the score.
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    order = list(range(len(corpus)))
    for step in range(steps):
        if step % (len(order) // 32) == 0:
            random.shuffle(order)
        batch = [corpus[i] for i in order[(step * 32) % len(order):][:32]] or corpus[:32]
        encoded = tokenizer([t for t, _ in batch], padding=True, return_tensors="pt")
        loss = model(**encoded, labels=torch.tensor([y for _, y in batch])).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
    print(f"build_default_model: trained {steps} steps, final loss {loss.item():.3f}")

    output.parent.mkdir(parents=True, exist_ok=True)
    # Write to a sibling temp dir and rename, so an interrupted build never looks like a finished model.
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}-", dir=output.parent))
    try:
        tokenizer.save_pretrained(staging)
        model.save_pretrained(staging)
        # mkdtemp and the safetensors writer create private files; the server may run as another user.
        staging.chmod(0o755)
        for path in staging.iterdir():
            path.chmod(0o644)
        if output.exists():
            shutil.rmtree(output)
        staging.rename(output)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    parser.add_argument("--force", action="store_true", help="rebuild even if the output holds a model")
    parser.add_argument("--steps", type=int, default=60, help="training steps (default 60)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 keeps the weights reproducible)")
    # A bigger model of the same kind, e.g. for benchmarks (bench/batching.py --model-dir): the defaults stay tiny.
    parser.add_argument("--hidden-size", type=int, default=128, help="hidden size (default 128)")
    parser.add_argument("--layers", type=int, default=2, help="transformer layers (default 2)")
    parser.add_argument("--heads", type=int, default=2, help="attention heads (default 2)")
    args = parser.parse_args(argv)
    output = args.output.expanduser().resolve()
    if is_built(output) and not args.force:
        print(f"build_default_model: {output} already built (use --force to rebuild)")
        return 0
    started = time.monotonic()
    build(output, steps=args.steps, threads=args.threads, hidden=args.hidden_size, layers=args.layers,
          heads=args.heads)
    print(f"build_default_model: wrote {output} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
