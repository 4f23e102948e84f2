"""A CLIP-format byte-level BPE vocabulary for the toy world, and an encoder.

The files it writes (vocab.json, merges.txt, tokenizer_config.json) have the
exact layout of CLIP's: ids 0-255 are the byte characters in CLIP's
bytes_to_unicode order, 256-511 the same with "</w>", then one id per merge,
then the two special tokens. The special tokens go last so the end-of-text
token has the largest id, which is where CLIP's argmax pooling looks.
"""
import collections
import json
import re

BOS, EOS = "<|startoftext|>", "<|endoftext|>"
MAX_LEN = 77


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENCODER = bytes_to_unicode()
_PAT = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+", re.IGNORECASE)


def _word_symbols(word):
    chars = [BYTE_ENCODER[b] for b in word.encode("utf-8")]
    chars[-1] += "</w>"
    return tuple(chars)


def train_merges(words):
    """Greedy BPE until every word is one symbol (ties broken by pair text)."""
    corpus = {_word_symbols(w): 1 for w in words}
    merges = []
    while True:
        pairs = collections.Counter()
        for symbols, count in corpus.items():
            for a, b in zip(symbols, symbols[1:]):
                pairs[(a, b)] += count
        if not pairs:
            return merges
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        merged = {}
        for symbols, count in corpus.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            merged[tuple(out)] = count
        corpus = merged


class Tokenizer:
    def __init__(self, merges):
        self.merges = merges
        self.ranks = {m: i for i, m in enumerate(merges)}
        byte_chars = list(BYTE_ENCODER.values())
        # CLIP orders ids by byte table order: the printable bytes first.
        vocab = byte_chars + [c + "</w>" for c in byte_chars] + [a + b for a, b in merges] + [BOS, EOS]
        self.vocab = {tok: i for i, tok in enumerate(vocab)}
        self.bos, self.eos = self.vocab[BOS], self.vocab[EOS]
        self.pad = self.eos

    def _bpe(self, word):
        symbols = list(_word_symbols(word))
        while len(symbols) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
            rank, _ = min(pairs)
            if rank == 1 << 30:
                break
            pair = self.merges[rank]
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            symbols = out
        return [self.vocab[s] for s in symbols]

    def encode(self, text):
        text = " ".join(text.split()).strip().lower()
        ids = []
        for piece in _PAT.findall(text):
            if piece in (BOS, EOS):
                ids.append(self.vocab[piece])
            else:
                ids.extend(self._bpe(piece))
        return ids

    def __call__(self, text):
        ids = [self.bos] + self.encode(text) + [self.eos]
        if len(ids) > MAX_LEN:
            ids = ids[:MAX_LEN - 1] + [self.eos]
        return ids + [self.pad] * (MAX_LEN - len(ids))

    def save(self, folder):
        with open(f"{folder}/vocab.json", "w", encoding="utf-8") as f:
            json.dump(self.vocab, f, ensure_ascii=False)
        with open(f"{folder}/merges.txt", "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n")
            for a, b in self.merges:
                f.write(f"{a} {b}\n")
        config = {
            "add_prefix_space": False,
            "bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "unk_token": EOS,
            "do_lower_case": True, "errors": "replace", "model_max_length": MAX_LEN,
            "tokenizer_class": "CLIPTokenizer",
        }
        with open(f"{folder}/tokenizer_config.json", "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)
        with open(f"{folder}/special_tokens_map.json", "w", encoding="utf-8") as f:
            json.dump({"bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "unk_token": EOS}, f, indent=2)
