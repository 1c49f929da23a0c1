"""Benchmark: CPU time of ``vxmlkit validate`` beside ``xmllint --noout --schema``, same files.

Three sets of files, each checked by ``vxmlkit validate`` (one process) and by ``xmllint
--noout --schema`` (one process per VoiceXML version, with vxmlkit's schema for it): every
document the example flows answer with (``bench/documents.py``), ``--copies`` times, as real
served documents are (valid); the schema tests' hand-made corpus, many of them invalid, where
vxmlkit also works out readable messages (xmlschema, loaded once per process); and one
generated invalid document of about a megabyte with thousands of problems. Prints the CPU
seconds of each (user + system, from the children's resource usage) and the ratio.

    python bench/validate.py [--copies 10] [--runs 3] [--large-blocks 7000]

xmllint comes from libxml2-utils (``apt-get install -y libxml2-utils``). Goal: vxmlkit within
3x of xmllint.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from vxmlkit.validation import SCHEMA_DIR, VXML_NAMESPACE  # noqa: E402

SCHEMAS = {"2.0": SCHEMA_DIR / "vxml-2.0.xsd", "2.1": SCHEMA_DIR / "vxml-2.1-plum.xsd"}


def example_files(folder: Path, copies: int) -> list[Path]:
    """The documents the example flows serve, ``copies`` times: valid, as real documents are."""
    from documents import Documents, example_cases

    docs = Documents()
    texts = [docs.build(case).encode() for case in example_cases()]
    paths: list[Path] = []
    for copy in range(copies):
        for number, text in enumerate(texts):
            paths.append(folder / f"example-{copy:02}-{number:03}.vxml")
            paths[-1].write_bytes(text)
    return paths


def corpus_files(folder: Path) -> list[Path]:
    """The schema tests' hand-made corpus: every element, and many invalid documents."""
    from tests.schema.test_schema_corpus import INVALID, STRICTER, VALID

    paths: list[Path] = []
    for number, case in enumerate([*VALID, *(case for case, _ in INVALID), *(case for case, _ in STRICTER)]):
        paths.append(folder / f"corpus-{number:03}-{case.name}.vxml")
        paths[-1].write_bytes(case.document())
    return paths


def large_invalid(path: Path, blocks: int) -> Path:
    """One document with two problems per pair of blocks (an unknown element, a goto without target)."""
    body = "".join(
        f'<block name="b{i}"><prompt>Item {i} of the list.</prompt><bogus n="{i}"/></block>\n'
        f'<block name="g{i}"><prompt>Item {i}.</prompt><goto/></block>\n'
        for i in range(blocks)
    )
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<vxml version="2.0" xmlns="{VXML_NAMESPACE}">\n'
                    f'<form id="f">\n{body}</form>\n</vxml>\n', encoding="utf-8")
    return path


def declared_version(path: Path) -> str:
    match = re.search(rb'<vxml[^>]*\bversion="([^"]*)"', path.read_bytes()[:2000])
    return "2.0" if match and match.group(1) == b"2.0" else "2.1"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(commands: list[list[str]]) -> float:
    """CPU seconds the commands use, run one after the other (their exit status is not judged)."""
    began = children_cpu()
    for command in commands:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return children_cpu() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=10, help="copies of the example documents")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (min and max are printed)")
    parser.add_argument("--large-blocks", type=int, default=7000, help="size of the large invalid document")
    args = parser.parse_args()
    xmllint = shutil.which("xmllint")
    if xmllint is None:
        raise SystemExit("xmllint is missing: apt-get install -y libxml2-utils")
    vxmlkit = [sys.executable, "-c", "from vxmlkit.cli import main; main()", "validate"]

    with tempfile.TemporaryDirectory(prefix="vxmlkit-validate-") as tmp:
        folder = Path(tmp)
        large = large_invalid(folder / "large.vxml", args.large_blocks)
        examples = example_files(folder, args.copies)
        corpus = corpus_files(folder)
        invalid = sum(1 for path in corpus if subprocess.run(
            [xmllint, "--noout", "--schema", str(SCHEMAS[declared_version(path)]), str(path)],
            capture_output=True, check=False).returncode)

        def commands(paths: list[Path]) -> tuple[list[list[str]], list[list[str]]]:
            by_version: dict[str, list[str]] = {}
            for path in paths:
                by_version.setdefault(declared_version(path), []).append(str(path))
            return ([vxmlkit + [str(path) for path in paths]],
                    [[xmllint, "--noout", "--schema", str(SCHEMAS[v]), *files] for v, files in by_version.items()])

        rows = {
            f"{len(examples)} example documents (valid)": commands(examples),
            f"{len(corpus)} corpus documents ({invalid} invalid)": commands(corpus),
            f"1 invalid document of {large.stat().st_size // 1024} KB": commands([large]),
        }
        print(f"CPU seconds (user+system), min-max of {args.runs} runs")
        print(f"{'files':40} {'vxmlkit validate':>18} {'xmllint --schema':>18} {'ratio (min)':>12}")
        for label, (ours, theirs) in rows.items():
            ours_cpu = [cpu_of(ours) for _ in range(args.runs)]
            theirs_cpu = [cpu_of(theirs) for _ in range(args.runs)]
            print(f"{label:40} {min(ours_cpu):8.2f}-{max(ours_cpu):<8.2f} {min(theirs_cpu):8.2f}-{max(theirs_cpu):<8.2f}"
                  f" {min(ours_cpu) / max(min(theirs_cpu), 1e-3):11.1f}x")
    print("goal: vxmlkit validate within 3x of xmllint")


if __name__ == "__main__":
    main()
