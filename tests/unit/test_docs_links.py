"""The README's index and the docs cannot rot: links resolve, the references stay complete.

Every relative link in README.md and docs/*.md must name an existing file, and an anchor
(``#...``) a heading of that file, as GitHub renders it. docs/cli.md must name every
command and option the ``sim`` app declares, and docs/scenarios.md (faults: docs/faults.md)
every key of the scenario schema, so a new key or option without documentation fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import typer.main
from pydantic import BaseModel

from sim.cli import app
from sim.scenario.faults import Fault
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_LINK_TARGET = re.compile(r"\]\(([^()\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(text: str) -> str:
    """``text`` without fenced code blocks (links there are not links)."""
    return _FENCE.sub("", text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: code marks dropped, lower case, punctuation removed."""
    text = _CODE_SPAN.sub(lambda match: match.group(2), heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor GitHub makes for the headings of ``path`` (repeats get ``-1``, ``-2``)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for heading in _HEADING.findall(_prose(path.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(path: Path) -> Iterator[str]:
    """Link targets in ``path`` that are not web or mail addresses."""
    text = _CODE_SPAN.sub("", _prose(path.read_text(encoding="utf-8")))
    for target in _LINK_TARGET.findall(text):
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target):
            yield target


def broken_links(path: Path) -> list[str]:
    """``target: problem`` for each relative link of ``path`` that leads nowhere."""
    problems = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file")
        elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
            problems.append(f"{target}: no heading with anchor #{anchor} in {linked.name}")
    return problems


def test_the_link_checker_sees_links_and_anchors(tmp_path: Path) -> None:
    """Guard the checker itself: a bad file, a bad anchor, links inside code ignored."""
    heading = "## Keys: `[risk]`, `data`\n"
    (tmp_path / "other.md").write_text("# Top\n" + heading + heading, encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[a](other.md) [b](other.md#keys-risk-data) [c](other.md#keys-risk-data-1)\n"
        "[d](missing.md) [e](other.md#nope) [f](https://example.org/x) [g](#here)\n"
        "`[h](in-code.md)`\n```\n[i](in-fence.md)\n```\n## Here\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#nope: no heading with anchor #nope in other.md",
    ]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    """Each relative link (and anchor) of README.md and docs/*.md leads to a file (heading)."""
    assert broken_links(page) == []


def test_the_readme_index_lists_every_docs_page() -> None:
    """Every docs/*.md page is linked from the README, so the index is the docs' index."""
    linked = {
        (ROOT / target.partition("#")[0]).resolve()
        for target in relative_links(ROOT / "README.md")
    }
    assert [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked] == []


def _commands(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(("sim", "data", "gen"), command)`` for the app and every command under it."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


def test_cli_page_names_every_command_and_option() -> None:
    """docs/cli.md has a heading per command and names each of its options."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    headings = set(_HEADING.findall(text))
    missing = []
    for path, command in _commands(typer.main.get_command(app), ("sim",)):
        name = " ".join(path)
        if len(path) > 1 and not hasattr(command, "commands") and name not in headings:
            missing.append(f"heading {name}")
        options = [opt for param in command.params if param.param_type_name == "option"
                   for opt in param.opts if opt != "--help"]
        missing += [f"{name} {opt}" for opt in options if f"`{opt}" not in text]
    assert missing == []


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models inside an annotation (unions, lists, Annotated, optionals)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _models(arg)


def schema_keys(root: Any) -> set[tuple[str, str]]:
    """``(model, key)`` for every key of every model reachable from ``root``."""
    keys: set[tuple[str, str]] = set()
    pending = list(_models(root))
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            keys.add((model.__name__, name))
            pending.extend(_models(field.annotation))
    return keys


@pytest.mark.parametrize(("root", "page"), [(Scenario, "scenarios.md"), (Fault, "faults.md")])
def test_reference_page_names_every_schema_key(root: Any, page: str) -> None:
    """Each key of the scenario schema (faults: of every fault kind) is named on its page."""
    text = (DOCS / page).read_text(encoding="utf-8")
    keys = schema_keys(root) - (schema_keys(Fault) if root is Scenario else set())
    missing = sorted(
        f"{model}.{key}" for model, key in keys
        if not re.search(rf"`[^`\n]*\b{re.escape(key)}\b[^`\n]*`", text)
    )
    assert missing == []
