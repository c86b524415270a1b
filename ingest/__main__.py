"""`python -m ingest`: ingest folders of documents (and catalogue downloads) into Chroma."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from assistant.settings import Settings
from ingest.pipeline import IngestProblems, run_ingest


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    parser.add_argument("--corpus-dir", action="append", type=Path, default=None,
                        help="folder of documents (repeatable; default: UNODC_CORPUS_DIR)")
    parser.add_argument("--download", action="store_true",
                        help="fetch catalogue documents that are not present locally")
    parser.add_argument("--prune", action="store_true",
                        help="remove indexed documents whose files are gone")
    parser.add_argument("--strict", action="store_true",
                        help="exit non-zero when any file cannot be ingested")
    parser.add_argument("--data-dir", type=Path, help="override UNODC_DATA_DIR")
    parser.add_argument("--chunk-size", type=int, help="override UNODC_CHUNK_SIZE")
    parser.add_argument("--no-progress", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    args = parse_args(argv)
    overrides = {key: value for key, value in (
        ("data_dir", args.data_dir), ("chunk_size", args.chunk_size)) if value is not None}
    settings = Settings(**overrides)
    dirs = args.corpus_dir if args.corpus_dir is not None else settings.corpus_dirs
    if not dirs and not args.download:
        print("Nothing to ingest: pass --corpus-dir DIR, set UNODC_CORPUS_DIR, or use --download.",
              file=sys.stderr)
        return 2
    try:
        report = run_ingest(settings, dirs, download=args.download, prune=args.prune,
                            strict=args.strict, progress=not args.no_progress)
    except IngestProblems as error:
        print(error.report.table())
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report.table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
