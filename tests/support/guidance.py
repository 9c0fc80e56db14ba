"""Where the guidance texts are that the content is checked against."""

from __future__ import annotations

from pathlib import Path

GUIDANCE = Path(__file__).resolve().parents[1] / "guidance"
"""A copy of ../shared/guidance, so content checks run wherever CI clones the repository."""
SHARED_GUIDANCE = Path(__file__).resolve().parents[3] / "shared" / "guidance"
