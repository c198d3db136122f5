"""Where a run may write: never in or over data, the plan, the notebooks or the code.

Publishing replaces `<out>/<name>` and the cache and lock live in `<out>`, so an output
folder that is, contains or lies inside a snapshot would corrupt or delete it (a
snapshot's checksums would no longer describe it, or publishing would move the folder
aside). The run refuses such a folder before it writes anything; and publishing
replaces only a folder that the workbook itself published.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers.core import paths
from helpers.core.errors import WorkbookError

__all__ = ["check_output_folder", "published_by_workbook", "check_publish_target"]

_MANIFEST = "manifest.yaml"
# The keys every run record has had since the first published layout.
_RECORD_KEYS = {"snapshot", "parameters", "notebooks", "exit_code"}


def _protected(snapshot_path: Path | None) -> list[tuple[Path, str]]:
    """The folders a report must never be written into or over, with their names."""
    import helpers

    root = paths.project_root()
    folders = [
        (paths.snapshots_dir(), "スナップショットのフォルダ（data/snapshots）"),
        (paths.reference_dir(), "参照データのフォルダ（data/reference）"),
        (paths.params_dir(), "計画ファイルのフォルダ（params）"),
        (root / "notebooks", "ノートブックのフォルダ（notebooks）"),
        (root / "src", "ワークブックのソースのフォルダ（src）"),
        (Path(helpers.__file__).parent, "ワークブックのコード（helpers）"),
    ]
    if snapshot_path is not None:
        folders.append((snapshot_path, f"スナップショット {snapshot_path.name} のフォルダ"))
    return folders


def check_output_folder(out: Path, snapshot_path: Path | None = None) -> None:
    """Refuse an output folder that is, contains or lies inside data, the plan, the
    notebooks or the code (checked before anything is written).

    Raises:
        WorkbookError: naming the folder and what it would overwrite.
    """
    real = out.resolve()
    shown = paths.display_path(out) if real.is_relative_to(paths.project_root()) else str(out)
    for folder, what in _protected(snapshot_path):
        guarded = folder.resolve()
        if real == guarded:
            relation = "そのもの"
        elif real.is_relative_to(guarded):
            relation = "の中"
        elif guarded.is_relative_to(real):
            relation = "を含むフォルダ"
        else:
            continue
        raise WorkbookError(_refusal(shown, f"{what}{relation}"))
    for folder in (real, *real.parents):
        if (folder / _MANIFEST).is_file():
            raise WorkbookError(_refusal(shown, f"スナップショット（{folder.name}、manifest.yaml のあるフォルダ）"
                                                f"{'そのもの' if folder == real else 'の中'}"))


def _refusal(shown: str, what: str) -> str:
    return (f"出力先「{shown}」は{what}です。レポートを書くとデータ・計画・コードを壊すため、"
            "使えません（何も書き込んでいません）。--out には reports など、レポート専用のフォルダを指定してください。")


def published_by_workbook(folder: Path) -> bool:
    """Whether `folder` is a report the workbook published (its run.json is a run record)."""
    try:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and _RECORD_KEYS <= set(record)


def check_publish_target(link: Path) -> None:
    """Publishing may replace `link` only when it is missing, the workbook's own
    symbolic link, or a folder the workbook published (an older layout).

    Raises:
        WorkbookError: when `link` is any other file or folder.
    """
    if link.is_symlink() or not link.exists():
        return
    if link.is_dir() and published_by_workbook(link):
        return
    raise WorkbookError(
        f"出力先に「{link.name}」という{'フォルダ' if link.is_dir() else 'ファイル'}があり、ワークブックが公開した"
        "レポートではない（run.json がない）ため、置き換えません（何も書き込んでいません）。"
        "別の出力先（--out）を指定するか、そのフォルダを移してください。")
