"""BERT's uncased WordPiece tokenizer, read from the model's own tokenizer.json.

The same steps as Hugging Face's BertNormalizer, BertPreTokenizer and WordPiece model with the
settings all-MiniLM-L6-v2 ships (clean text, Chinese characters split, lower case with accents
stripped, [CLS] ... [SEP]), in plain Python so that no tokenizer package is needed.
"""

import json
import unicodedata
from functools import lru_cache
from pathlib import Path


def is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def is_chinese(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F or 0x2B820 <= code <= 0x2CEAF
            or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F)


def normalise(text: str) -> str:
    characters = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or is_control(char):
            continue
        if is_whitespace(char):
            characters.append(" ")
        elif is_chinese(code):
            characters.append(f" {char} ")
        else:
            characters.append(char)
    lowered = "".join(characters).lower()
    return "".join(c for c in unicodedata.normalize("NFD", lowered) if unicodedata.category(c) != "Mn")


def pre_tokenise(text: str) -> list[str]:
    words: list[str] = []
    current: list[str] = []
    for char in text:
        if char == " " or is_punctuation(char):
            if current:
                words.append("".join(current))
                current = []
            if char != " ":
                words.append(char)
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words


class WordPieceTokenizer:
    def __init__(self, vocabulary: dict[str, int], max_tokens: int, unknown: str = "[UNK]",
                 prefix: str = "##", max_word_characters: int = 100) -> None:
        self.vocabulary = vocabulary
        self.max_tokens = max_tokens
        self.unknown_id = vocabulary[unknown]
        self.prefix = prefix
        self.max_word_characters = max_word_characters
        self.cls_id, self.sep_id = vocabulary["[CLS]"], vocabulary["[SEP]"]
        self.word_ids = lru_cache(maxsize=50_000)(self._word_ids)

    @classmethod
    def from_file(cls, path: Path, max_tokens: int) -> "WordPieceTokenizer":
        model = json.loads(path.read_text(encoding="utf-8"))["model"]
        return cls(model["vocab"], max_tokens, model["unk_token"], model["continuing_subword_prefix"],
                   model["max_input_chars_per_word"])

    def encode(self, text: str) -> list[int]:
        """[CLS] word pieces [SEP], cut to max_tokens as the model was trained."""
        ids: list[int] = []
        for word in pre_tokenise(normalise(text)):
            ids.extend(self.word_ids(word))
            if len(ids) >= self.max_tokens - 2:
                break
        return [self.cls_id, *ids[: self.max_tokens - 2], self.sep_id]

    def _word_ids(self, word: str) -> tuple[int, ...]:
        if len(word) > self.max_word_characters:
            return (self.unknown_id,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocabulary:
                    pieces.append(self.vocabulary[piece])
                    break
                end -= 1
            if end == start:
                return (self.unknown_id,)
            start = end
        return tuple(pieces)
