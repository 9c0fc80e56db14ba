"""Every file the bot writes is readable by its owner only, whatever umask it starts with."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_database_its_journal_and_an_export_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  url: sqlite:///{data / 'infoshare.db'}\n", encoding="utf-8")
    export = tmp_path / "export.csv"
    command = ["transcripts", "export", "--format", "csv", "--output", str(export)]
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), *command],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=lambda: os.umask(0),  # the laxest umask an operator could start it with
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = [export, *data.iterdir()]
    assert {p.name for p in written} >= {"export.csv", "infoshare.db"}
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in written}
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes
    assert stat.S_IMODE(data.stat().st_mode) & 0o077 == 0
