"""Every IAM wildcard in the Terraform is justified by a comment, and no action is a wildcard.

A `"*"` in an IAM Action, Resource or Principal (the JSON policy keys as written in
`jsonencode`, and the `actions` / `resources` / `principals` / `identifiers` arguments of
modules and policy documents) needs a `#` comment line immediately above it, or above the
attribute that holds it, saying why AWS leaves no narrower choice. Actions are never
wildcards when allowed (`"*"`, `"s3:*"`, `"s3:Get*"` all fail, comment or not); only a Deny
statement may name a whole service, and only with a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.template

REPO_ROOT = Path(__file__).resolve().parents[2]
EXCLUDED_DIRS = {".localstack", ".build", ".terraform", ".git", ".venv"}

ACTION_KEYS = {"Action", "NotAction", "actions", "not_actions"}
SCOPE_KEYS = {
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "resources",
    "not_resources",
    "principals",
    "not_principals",
    "identifiers",
}
KEY_LINE = re.compile(r'^\s*"?(?P<key>[A-Za-z_]+)"?\s*[=:]\s*(?P<value>.*)$')
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
DENY = re.compile(r'^\s*"?Effect"?\s*[=:]\s*"Deny"', re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}: {self.text.strip()}"


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _code(line: str) -> str:
    """The line without a trailing `#` comment (a `#` inside a string is kept)."""
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            in_string = not in_string
        elif ch == "#" and not in_string:
            return line[:i]
    return line


def _enclosing_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """For every line, the (first, last) line of the innermost `{ }` block around it."""
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    for n, line in enumerate(lines):
        if _is_comment(line):
            continue
        for ch in STRING.sub('""', _code(line)):
            if ch == "{":
                stack.append(n)
            elif ch == "}" and stack:
                pairs.append((stack.pop(), n))
    spans = []
    for n in range(len(lines)):
        around = [pair for pair in pairs if pair[0] <= n <= pair[1]]
        spans.append(max(around) if around else (n, n))
    return spans


def _depth_change(code: str) -> int:
    code = STRING.sub('""', code)
    return sum(code.count(c) for c in "[{(") - sum(code.count(c) for c in "]})")


def scan(text: str, path: str = "<text>") -> tuple[list[Finding], list[Finding]]:
    """Return (violations, justified wildcards) found in one Terraform file's text."""
    lines = text.splitlines()
    spans = _enclosing_blocks(lines)
    violations: list[Finding] = []
    justified: list[Finding] = []

    key: str | None = None
    key_line = -1
    depth = 0
    for n, line in enumerate(lines):
        if _is_comment(line):
            continue
        code = _code(line)
        if depth <= 0:
            match = KEY_LINE.match(code)
            if not match or match["key"] not in ACTION_KEYS | SCOPE_KEYS:
                continue
            key, key_line = match["key"], n
            code = match["value"]  # on the key's own line, only what follows the key
            depth = _depth_change(code)
        else:
            depth += _depth_change(code)
        values = STRING.findall(code)
        assert key is not None
        commented = (n > 0 and _is_comment(lines[n - 1])) or (
            key_line > 0 and _is_comment(lines[key_line - 1])
        )
        if key in ACTION_KEYS:
            wild = [v for v in values if "*" in v]
            if not wild:
                continue
            first, last = spans[n]
            is_deny = DENY.search("\n".join(lines[first : last + 1])) is not None
            if any(v == "*" for v in wild):
                reason = 'an action of "*" grants or denies everything'
            elif not is_deny:
                reason = "allowed actions must be named in full, not " + ", ".join(wild)
            elif not commented:
                reason = "wildcard action in a Deny without a justifying comment above it"
            else:
                justified.append(Finding(path, n + 1, line, "justified"))
                continue
            violations.append(Finding(path, n + 1, line, reason))
        elif "*" in values:
            if commented:
                justified.append(Finding(path, n + 1, line, "justified"))
            else:
                violations.append(
                    Finding(
                        path, n + 1, line, f'"*" in {key} without a justifying comment above it'
                    )
                )
    return violations, justified


def terraform_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*.tf")
        if not EXCLUDED_DIRS.intersection(p.relative_to(root).parts[:-1])
    )


# --- the scanner itself -------------------------------------------------------------------


def xray_policy(comment: str = "") -> str:
    """A role policy whose one statement allows X-Ray on Resource "*", with ``comment``
    (a line of its own) just above the Resource line."""
    return f"""
resource "aws_iam_role_policy" "this" {{
  policy = jsonencode({{
    Statement = [
      {{
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments"]
{comment}        Resource = ["*"]
      }},
    ]
  }})
}}
"""


def test_scanner_accepts_a_justified_resource_wildcard() -> None:
    violations, justified = scan(
        xray_policy("        # X-Ray supports no resource-level permissions.\n")
    )
    assert violations == []
    assert [f.line for f in justified] == [9]


def test_scanner_rejects_an_unjustified_resource_wildcard() -> None:
    violations, justified = scan(xray_policy())
    assert [(f.line, f.reason) for f in violations] == [
        (8, '"*" in Resource without a justifying comment above it')
    ]
    assert justified == []


def test_scanner_wants_the_comment_immediately_above() -> None:
    text = """
      {
        # X-Ray supports no resource-level permissions.

        Resource = "*"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments"]
      }
"""
    violations, _ = scan(text)
    assert [f.line for f in violations] == [5]


def test_scanner_reads_multi_line_lists_and_other_spellings() -> None:
    text = """
  statement {
    resources = [
      "arn:aws:s3:::b/runs/*",
      # Log delivery has no resource-level permissions.
      "*",
      "*",
    ]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
  policy = <<-EOT
    {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
      "Resource": "*"}]}
  EOT
"""
    violations, justified = scan(text)
    assert [f.line for f in justified] == [6]
    assert [f.line for f in violations] == [7, 11, 16]


def test_scanner_rejects_wildcard_actions_even_with_a_comment() -> None:
    text = """
      {
        Effect   = "Allow"
        # Everything.
        Action   = "*"
        Resource = ["arn:aws:s3:::b/*"]
      },
      {
        Effect   = "Allow"
        # Every S3 action.
        Action   = ["s3:*"]
        Resource = ["arn:aws:s3:::b/*"]
      },
      {
        Effect   = "Allow"
        Action   = ["s3:Get*"]
        Resource = ["arn:aws:s3:::b/*"]
      },
      {
        "Effect": "Deny",
        "Action": "*",
      },
  actions = ["*"]
"""
    violations, justified = scan(text)
    assert [f.line for f in violations] == [5, 11, 16, 21, 23]
    assert justified == []


def test_scanner_allows_a_justified_service_wildcard_only_in_a_deny() -> None:
    justified_deny = """
      {
        Effect = "Deny"
        # The whole S3 API: no request may skip TLS.
        Action = "s3:*"
        Condition = {
          Bool = { "aws:SecureTransport" = "false" }
        }
      }
"""
    unjustified_deny = justified_deny.replace(
        "        # The whole S3 API: no request may skip TLS.\n", ""
    )
    violations, justified = scan(justified_deny)
    assert (violations, [f.line for f in justified]) == ([], [5])
    violations, justified = scan(unjustified_deny)
    assert [f.line for f in violations] == [4]
    assert justified == []


def test_scanner_ignores_scoped_arns_and_non_iam_wildcards() -> None:
    text = """
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*", "arn:aws:s3:::b/runs/*/chunks.json"]
    log_destination = "${aws_cloudwatch_log_group.this.arn}:*"
    pattern = "*"
"""
    assert scan(text) == ([], [])


# --- the repository -----------------------------------------------------------------------


def test_terraform_files_are_found() -> None:
    found = {p.relative_to(REPO_ROOT).as_posix() for p in terraform_files(REPO_ROOT)}
    assert {
        "main.tf",
        "modules/lambda_function/main.tf",
        "modules/results_bucket/main.tf",
        "modules/state_machine/main.tf",
    } <= found
    assert not any(part in EXCLUDED_DIRS for f in found for part in Path(f).parts)


def test_every_iam_wildcard_in_the_repository_is_justified() -> None:
    violations: list[Finding] = []
    justified: list[Finding] = []
    for path in terraform_files(REPO_ROOT):
        found, ok = scan(path.read_text(), path.relative_to(REPO_ROOT).as_posix())
        violations += found
        justified += ok
    assert violations == [], "\n".join(map(str, violations))
    # The known wildcards (log delivery, X-Ray, the TLS-only bucket policy) were seen, so the
    # scan really read the policies.
    assert {f.path for f in justified} >= {
        "modules/lambda_function/main.tf",
        "modules/results_bucket/main.tf",
        "modules/state_machine/main.tf",
    }
