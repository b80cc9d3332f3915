"""The language of a document: what it declares, else what py3langid finds offline.

Declared tags are reduced to their primary subtag ("en-US" -> "en").  Detection
reads the first few thousand characters and answers only when it is confident;
otherwise the language stays empty rather than guessed.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from array import array
from pathlib import Path
from typing import Any

from briefer.core import atomic_write

SAMPLE_CHARS = 600  # enough for a confident answer; detection cost grows with the sample
MIN_LETTERS = 40  # fewer letters than this and no detector is reliable
MIN_CONFIDENCE = 0.6

_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[a-z]+")
_ENGLISH_WORDS = (
    "the of and to that was for with said which this from were have has been would their they "
    "will its not but are by"
)
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_TAG = re.compile(r"^[A-Za-z]{2,3}(?=$|[-_])")
_NAMES = {
    "english": "en",
    "french": "fr",
    "german": "de",
    "spanish": "es",
    "russian": "ru",
    "chinese": "zh",
    "japanese": "ja",
    "korean": "ko",
    "arabic": "ar",
    "ukrainian": "uk",
    "portuguese": "pt",
    "italian": "it",
}
_NOT_LANGUAGES = {"zxx", "und", "mul", "mis", "xx"}  # no linguistic content, undetermined, ...
CACHE_ENV = "BRIEFER_CACHE_DIR"  # where the unpacked language model is kept (default: the user cache)
_identifier: Any = None
_loading_cpu = 0.0  # CPU seconds this process spent loading the model (see loading_cpu)
_lock = threading.Lock()


def normalize_tag(declared: str) -> str:
    """A declared language ("en-US", "EN", "English") as a lower-case ISO 639 code, or ""."""
    value = declared.strip()
    if not value:
        return ""
    named = _NAMES.get(value.lower())
    if named:
        return named
    match = _TAG.match(value)
    code = match.group(0).lower() if match else ""
    return "" if code in _NOT_LANGUAGES else code


def loading_cpu() -> float:
    """The CPU seconds this process has spent loading the model, once, at its first detection
    (about 80 ms): a parser leaves them out of the file that happened to need it first, which
    would otherwise pass for a slow file (see workers.SLOW_FILE_CPU_S)."""
    return _loading_cpu


def _get_identifier() -> Any:
    global _identifier, _loading_cpu
    with _lock:
        if _identifier is None:
            began = time.process_time()
            from py3langid.langid import LanguageIdentifier  # type: ignore[import-untyped]

            ptc, pc, classes, nextmove, row, output = _load_model()
            _identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
            _loading_cpu += time.process_time() - began
        return _identifier


def _cache_dir() -> Path:
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("Briefer", appauthor=False))


def _load_model() -> tuple[Any, ...]:
    """py3langid's model, unpacked once into the cache folder and memory-mapped from then on.

    The packaged model is LZMA-compressed: unpacking it costs 0.5-1.5 s of CPU
    in every process that detects a language (each parser worker), more than
    parsing a few dozen PDF pages.  The unpacked arrays load in milliseconds.
    The state table (40 MB) is read in place through a memoryview of the mapped
    file: only the pages a detection walks through are in memory (about 20 MB
    after the 21,578 Reuters articles), where a copy held all 40 MB in every
    process that detects.
    """
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    source = MODEL_DIR / MODEL_FILE
    folder = _cache_dir() / f"langid-{source.stat().st_size}-{int(source.stat().st_mtime)}"
    names = ("ptc", "pc", "classes", "nextmove", "row", "output")
    try:
        arrays = [np.load(folder / f"{n}.npy", mmap_mode="r", allow_pickle=False) for n in names]
    except (OSError, ValueError):
        from py3langid.modelio import load_model  # type: ignore[import-untyped]

        model = load_model(source)
        arrays = [
            np.asarray(model[0]),
            np.asarray(model[1]),
            np.asarray(model[2]),
            np.frombuffer(model[3], dtype=np.uint32 if model[3].itemsize == 4 else np.uint64),
            np.frombuffer(model[4], dtype=np.uint16 if model[4].itemsize == 2 else np.uint32),
            np.asarray(model[5], dtype=np.int64),
        ]
        _save(folder, dict(zip(names, arrays, strict=True)))
    ptc, pc, classes, nextmove, row, output = arrays
    return (
        np.asarray(ptc),
        np.asarray(pc),
        [str(c) for c in classes.tolist()],
        np.ascontiguousarray(nextmove).data,  # a memoryview of the mapped file
        array("H" if row.dtype.itemsize == 2 else "I", np.ascontiguousarray(row).tobytes()),
        output.tolist(),
    )


def _save(folder: Path, arrays: dict[str, Any]) -> None:
    """Write the unpacked model atomically; a cache that cannot be written is no error."""
    import numpy as np

    with contextlib.suppress(OSError):  # another process may have won the race: fine too
        folder.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write.new_directory(folder) as staging:
            for name, value in arrays.items():
                np.save(staging / f"{name}.npy", value, allow_pickle=False)


def detect(text: str) -> str:
    """The language of `text` as an ISO 639 code, or "" when it is too short or unclear."""
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:  # a regex: a Python loop per character is slow
        return ""
    words = _WORD.findall(sample.lower())
    if len(words) >= 12 and sum(map(_ENGLISH.__contains__, words)) * 5 >= len(words):
        # Plain English prose, the common case, without the model's byte-by-byte walk:
        # a fifth of its words are these function words, in no other language.
        return "en"
    try:
        code, confidence = _get_identifier().classify(sample)
    except ImportError:  # pragma: no cover - a broken install: no language rather than no import
        return ""
    if confidence < MIN_CONFIDENCE or code in _NOT_LANGUAGES:
        return ""
    return str(code)
