"""The README and docs stay true to the code: variables, outputs, make targets and links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]
README = REPO_ROOT / "README.md"

FENCE = re.compile(r"(?ms)^(```|~~~).*?^\1")
INLINE_CODE = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"(?m)^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
TARGET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


# --- helpers ------------------------------------------------------------------------------


def declared(kind: str, tf_text: str) -> list[str]:
    """Names of the `variable` or `output` blocks in a Terraform file."""
    return re.findall(rf'(?m)^{kind}\s+"([^"]+)"\s*\{{', tf_text)


def scalar_defaults(tf_text: str) -> dict[str, str]:
    """Variable name -> default written on one line (strings, numbers, bools, `{}`)."""
    defaults = {}
    for block in re.split(r'(?m)^(?=variable\s+")', tf_text):
        name = re.match(r'variable\s+"([^"]+)"', block)
        default = re.search(r"(?m)^\s+default\s*=\s*(.+?)\s*$", block)
        if name and default and default[1] != "{":
            defaults[name[1]] = default[1]
    return defaults


def section(markdown: str, name: str) -> str:
    match = re.search(rf"(?s)<!-- {name}:begin -->(.*?)<!-- {name}:end -->", markdown)
    assert match, f"README.md has no <!-- {name}:begin --> ... <!-- {name}:end --> section"
    return match[1]


def table_rows(markdown: str) -> list[list[str]]:
    """Cells of every body row of the Markdown tables in the text (header and rule skipped)."""
    rows = []
    lines = [line.strip() for line in markdown.splitlines()]
    for i, line in enumerate(lines):
        if not line.startswith("|") or re.fullmatch(r"\|[\s:|-]+\|", line):
            continue
        if i + 1 < len(lines) and re.fullmatch(r"\|[\s:|-]+\|", lines[i + 1]):
            continue  # header row
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows.append(cells)
    return rows


def first_column_names(rows: list[list[str]]) -> list[str]:
    names = []
    for row in rows:
        match = re.fullmatch(r"`([^`]+)`", row[0])
        assert match, f"first cell must be a `name` in backticks: {row}"
        names.append(match[1])
    return names


def code_text(markdown: str) -> list[str]:
    """Fenced code blocks and inline code spans: where commands are written."""
    blocks = [m[0] for m in FENCE.finditer(markdown)]
    inline = [m[0].strip("`") for m in INLINE_CODE.finditer(FENCE.sub("", markdown))]
    return blocks + inline


def make_targets_named(markdown: str) -> set[str]:
    """Targets of every `make ...` command written in the Markdown's code."""
    targets: set[str] = set()
    for code in code_text(markdown):
        for match in re.finditer(r"(?:^|[\s;&|(])make((?:[ \t]+[^\s#;&|)]+)*)", code, re.M):
            for token in match[1].split():
                if "=" in token:
                    continue  # a variable such as SIZE=1024
                if token.startswith("-") or not TARGET.match(token):
                    break
                targets.add(token)
    return targets


def makefile_targets(makefile_text: str) -> set[str]:
    targets = set(re.findall(r"(?m)^([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:(?!=)", makefile_text))
    return {t for t in targets if not t.startswith(".")}


def relative_links(markdown: str) -> list[str]:
    text = INLINE_CODE.sub("", FENCE.sub("", markdown))
    links = [m[1] for m in LINK.finditer(text)] + [m[1] for m in REFERENCE_LINK.finditer(text)]
    return [
        link
        for link in links
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link)  # http:, https:, mailto:, ...
    ]


def heading_anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    anchors = set()
    for heading in re.findall(r"(?m)^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def broken_links(markdown_file: Path) -> list[str]:
    text = markdown_file.read_text()
    broken = []
    for link in relative_links(text):
        path_part, _, anchor = link.partition("#")
        target = (markdown_file.parent / path_part).resolve() if path_part else markdown_file
        if not target.exists():
            broken.append(f"{link}: {target} does not exist")
        elif (
            anchor and target.suffix == ".md" and anchor not in heading_anchors(target.read_text())
        ):
            broken.append(f"{link}: no heading #{anchor} in {target.name}")
    return broken


# --- the helpers on small examples --------------------------------------------------------


def test_helpers_read_names_tables_targets_and_links() -> None:
    tf = (
        'variable "a" {\n  type = string\n  default = "x"\n}\n\n'
        'variable "b_c" {\n  default = {\n  }\n}\n'
    )
    assert declared("variable", tf) == ["a", "b_c"]
    assert scalar_defaults(tf) == {"a": '"x"'}

    table = "| name | type |\n| --- | --- |\n| `a` | `string` |\n| `b_c` | `a \\| b` |\n"
    assert first_column_names(table_rows(table)) == ["a", "b_c"]
    assert table_rows(table)[1] == ["`b_c`", "`a \\| b`"]

    md = (
        "Run `make run SIZE=7` or\n\n```sh\nmake lint tf-check  # both\nFOO=1 make -C x\n```\n"
        "then `make` and make sure.\n"
    )
    assert make_targets_named(md) == {"run", "lint", "tf-check"}
    assert makefile_targets(".PHONY: a\na: ## x\nb_c: a\nX := 1\n\t@echo c:\n") == {"a", "b_c"}

    md = "[a](docs/x.md#two-words) ![i](img.png) [w](https://e.org) [s](#top) `[c](no.md)`\n"
    assert relative_links(md) == ["docs/x.md#two-words", "img.png", "#top"]
    assert heading_anchors("# Top\n## Two `words`!\n```\n# not a heading\n```\n") == {
        "top",
        "two-words",
    }


def test_broken_links_are_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").write_text("# X\n## Here\n")
    page = tmp_path / "page.md"
    page.write_text("[ok](docs/x.md#here) [bad](docs/y.md) [anchor](docs/x.md#there) [me](#x)\n")
    assert [b.split(":")[0] for b in broken_links(page)] == [
        "docs/y.md",
        "docs/x.md#there",
        "#x",
    ]


# --- the real README and docs -------------------------------------------------------------


def test_readme_lists_every_variable_and_no_other() -> None:
    variables = declared("variable", (REPO_ROOT / "variables.tf").read_text())
    listed = first_column_names(table_rows(section(README.read_text(), "variables")))
    assert len(variables) >= 20
    assert sorted(listed) == sorted(set(listed)), "a variable is listed twice"
    assert listed == variables, "README variables table must list variables.tf, in its order"


def test_readme_variable_defaults_match_variables_tf() -> None:
    defaults = scalar_defaults((REPO_ROOT / "variables.tf").read_text())
    rows = table_rows(section(README.read_text(), "variables"))
    documented = {row[0].strip("`"): row[2] for row in rows}
    assert "name_prefix" in defaults
    mismatched = {
        name: (default, documented.get(name))
        for name, default in defaults.items()
        if not documented.get(name, "").startswith(f"`{default}`")
    }
    assert mismatched == {}


def test_readme_lists_every_output_and_no_other() -> None:
    outputs = declared("output", (REPO_ROOT / "outputs.tf").read_text())
    listed = first_column_names(table_rows(section(README.read_text(), "outputs")))
    assert "state_machine_arn" in outputs
    assert sorted(listed) == sorted(set(listed)), "an output is listed twice"
    assert listed == outputs, "README outputs table must list outputs.tf, in its order"


def test_every_make_target_in_the_readme_exists() -> None:
    named = make_targets_named(README.read_text())
    existing = makefile_targets((REPO_ROOT / "Makefile").read_text())
    assert {"run", "test", "tf-check"} <= named
    assert sorted(named - existing) == []


@pytest.mark.parametrize(
    "markdown_file",
    [README, *sorted((REPO_ROOT / "docs").glob("*.md"))],
    ids=lambda p: p.relative_to(REPO_ROOT).as_posix(),
)
def test_relative_links_point_to_existing_files(markdown_file: Path) -> None:
    assert broken_links(markdown_file) == []


def test_readme_has_relative_links_to_check() -> None:
    assert "docs/architecture.md" in relative_links(README.read_text())
