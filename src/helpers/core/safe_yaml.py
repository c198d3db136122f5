"""Reading the YAML files analysts write (snapshot manifests, the plan) without trusting them.

`yaml.safe_load` already refuses Python tags, but it expands aliases: a few hundred
bytes of nested aliases ("billion laughs") build billions of nodes and hang the
process or exhaust its memory. These files never need aliases, so any anchor or
alias is refused before a single node is built, and the file's size is bounded.
"""

from __future__ import annotations

from pathlib import Path

import yaml

__all__ = ["UnsafeYaml", "load_yaml_file", "MAX_YAML_BYTES"]

MAX_YAML_BYTES = 1 << 20  # a manifest is under 2 KB and the plan about 20 KB

# libyaml's parser when PyYAML was built with it (the wheels are): the pure-Python one
# took 0.1 s of every run's start for the plan and the item register (12 ms with
# libyaml). Same safe constructor, same refusals.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UnsafeYaml(ValueError):
    """The file is not plain YAML data; the message says why, in Japanese."""


def load_yaml_file(path: Path, max_bytes: int = MAX_YAML_BYTES):
    """Parse a YAML file of plain data (mappings, lists, scalars).

    Raises:
        UnsafeYaml: the file is too large, holds anchors or aliases, is not UTF-8, or is
            not valid YAML (including unknown tags such as ``!!python/object``).
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise UnsafeYaml(f"ファイルが大きすぎます（{size:,} バイト。上限 {max_bytes:,} バイト）")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UnsafeYaml(f"文字コードが UTF-8 ではありません（{err.start + 1}バイト目）") from None
    try:
        _refuse_anchors(text)
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    except UnsafeYaml:
        raise
    except yaml.YAMLError as err:
        raise UnsafeYaml(f"YAML として読めません（{_short(err)}）") from None
    except ValueError as err:  # e.g. an impossible date such as 2023-09-31
        raise UnsafeYaml(_value_problem(text) or f"値が読めません（{err}）") from None


def _refuse_anchors(text: str) -> None:
    """Scan the token stream (cheap, builds nothing) for anchors (&a) and aliases (*a)."""
    for token in yaml.scan(text, Loader=_LOADER):
        if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
            line = token.start_mark.line + 1
            kind = "別名（*）" if isinstance(token, yaml.AliasToken) else "アンカー（&）"
            raise UnsafeYaml(f"{line}行目: YAML の{kind}は使えません（値をそのまま書くこと）")


_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _value_problem(text: str) -> str | None:
    """Where a value that YAML took for a date is no real date (`as_of: 2023-09-31`):
    the line, the field and the rule, found on the node tree (no value is built)."""
    import datetime as dt

    def walk(node, key: str):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                yield from walk(v, f"{key}.{k.value}" if key else str(k.value))
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                yield from walk(item, key)
        elif isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP:
            yield node, key

    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None
    for node, key in walk(root, ""):
        try:
            dt.date.fromisoformat(node.value[:10])
        except ValueError:
            return (f"{node.start_mark.line + 1}行目 項目「{key}」: 日付「{node.value}」は実在しない日付です"
                    "（YYYY-MM-DD で、その月にある日を書くこと。月末は 30日・31日・2月28日などに注意）")
    return None


def _short(err: yaml.YAMLError) -> str:
    """The parser's complaint on one line, with the line number."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{mark.line + 1}行目: {problem}" if mark is not None else str(problem)
