"""Broken config or dialogue files stop start-up with one clear message (no traceback).

Each case runs the real command line (`python -m bot.cli --config FILE COMMAND`) as its own
process, as an administrator would, and expects a non-zero exit code, nothing on standard output,
a message on standard error that fits on one screen and names the file and the key (config) or
the file and the step (dialogues), and no Python traceback.

Start-up costs about a second of imports, so the processes of every case are started together
by one module fixture and each test only reads its own result. `run` is given a well-formed fake
token and a Bot API address on a closed local port, so a case that failed to stop it in time
could still reach nothing on the network; every process is bounded by a timeout.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import DEFAULT_EDITION
from bot.content.limits import BUTTON_TEXT_CHARS
from tests.support.offline import TOKEN

ROOT = Path(__file__).resolve().parents[2]
DIALOGUES = ROOT / "dialogues"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
SECRET_ENV = "INFOSHARE_WEBHOOK_SECRET"
TIMEOUT = 30.0
"""Seconds one process may take; a refusal takes about one."""
SCREEN_LINES = 24
"""A message longer than this scrolls its first lines away on a terminal."""


def closed_port() -> int:
    """A local TCP port nobody listens on (the kernel picked it free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def safe_settings(folder: Path) -> dict[str, Any]:
    """Settings that keep `run` off the network and every file it might write in `folder`."""
    return {
        "storage": {"url": f"sqlite:///{folder / 'bot.db'}"},
        "pseudonym_key_file": str(folder / "pseudonym.key"),
        "telegram": {"base_url": f"http://127.0.0.1:{closed_port()}"},
    }


def write_config(folder: Path, **changes: Any) -> Path:
    """A valid, network-safe config with `changes` merged in one level deep."""
    settings = safe_settings(folder)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            settings[key] = {**settings[key], **value}
        else:
            settings[key] = value
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Case:
    """One broken input, the commands it is tried with, and what the message must name."""

    id: str
    make: Callable[[Path], Path]
    """Writes the broken input into an empty folder and returns the config file to pass."""
    names: Callable[[Path], list[str]]
    """What the message must contain, given the config file (file, key, step...)."""
    commands: tuple[tuple[str, ...], ...] = (("check",),)
    """check, console and run load the config and the dialogues the same way first."""
    env: dict[str, str | None] = field(default_factory=dict)
    """Environment changes (None: unset) over a fake token and no webhook secret."""
    secret: str | None = None
    """Text that must never be echoed (a malformed token)."""


@dataclass(frozen=True)
class Done:
    code: int
    out: str
    err: str


def naming(*parts: str) -> Callable[[Path], list[str]]:
    """The message names the config file and each of `parts`."""
    return lambda config: [str(config), *parts]


# ---- config cases -------------------------------------------------------------------------------


def config_text(text: str | bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / "config.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return make


def config_with(**changes: Any) -> Callable[[Path], Path]:
    return lambda folder: write_config(folder, **changes)


def no_such_file(folder: Path) -> Path:
    return folder / "missing.yaml"


def a_folder(folder: Path) -> Path:
    (folder / "config.yaml").mkdir()
    return folder / "config.yaml"


def unreadable(folder: Path) -> Path:
    path = write_config(folder)
    path.chmod(0)
    return path


CONFIG_CASES = [
    Case(
        "bad-yaml",
        config_text("area: Somewhere\ntelegram:\n  base_url: http://x: y\nleads: []\n"),
        naming("line 3: is not valid YAML: mapping values are not allowed here"),
        commands=(("check",), ("console",), ("run",)),
    ),
    Case(
        "unknown-top-level-key",
        config_with(retention=30),
        naming("retention: Extra inputs are not permitted"),
    ),
    Case(
        "unknown-nested-key",
        config_with(telegram={"webhok": {"port": 8443}}),
        naming("telegram.webhok: Extra inputs are not permitted"),
        commands=(("check",), ("run", "--webhook")),
    ),
    Case(
        "port-not-a-number",
        config_with(telegram={"webhook": {"port": "abc"}}),
        naming("telegram.webhook.port: Input should be a valid integer"),
    ),
    Case(
        "retention-days-not-a-number",
        config_with(retention_days="x"),
        naming("retention_days: Input should be a valid integer"),
    ),
    Case("leads-not-a-list", config_with(leads="x"), naming("leads: Input should be")),
    Case("empty-file", config_text(""), naming("has no settings")),
    Case("only-comments", config_text("# area: Somewhere\n"), naming("has no settings")),
    Case("a-list", config_text("- area\n- leads\n"), naming("must be a mapping")),
    Case(
        "not-utf8",
        config_text(b"area: Sm\xf8rrebr\xf8d\n"),
        naming("cannot be read", "not UTF-8"),
    ),
    Case("no-such-file", no_such_file, naming("cannot be read", "No such file")),
    Case("a-folder", a_folder, naming("cannot be read", "Is a directory")),
    Case("unreadable", unreadable, naming("cannot be read", "Permission denied")),
    Case(
        "no-dialogues-folder",
        config_with(dialogues="no-such-folder"),
        lambda config: [
            str(config),
            f"dialogues: {config.parent / 'no-such-folder'} does not exist",
        ],
        commands=(("check",), ("console",), ("run",)),
    ),
    Case(
        "storage-url-garbage",
        config_with(storage={"url": "my database"}),
        naming("storage.url: Value error, must be a database URL"),
        commands=(("check",), ("run",)),
    ),
    Case(
        "storage-url-unsupported",
        config_with(storage={"url": "mysql://bot@db/infoshare"}),
        naming("storage.url: Value error, must be a database URL"),
        commands=(("run",),),
    ),
]

TAKEN: list[socket.socket] = []
"""Ports held open while the module's processes run."""


def desk_port_taken(folder: Path) -> Path:
    """A config whose desk port another program listens on."""
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    TAKEN.append(taken)
    return write_config(folder, desk={"port": taken.getsockname()[1]})


DESK_CASES = [
    Case(
        "desk-public-url-garbage",
        config_with(desk={"public_url": "desk.example.org"}),
        naming("desk.public_url: Value error, must be a web address"),
        commands=(("check",), ("desk",)),
    ),
    Case(
        "desk-port-in-use",
        desk_port_taken,
        lambda _: ["desk: cannot listen on 127.0.0.1:", "set desk.listen and desk.port"],
        commands=(("desk",),),
    ),
]

# ---- secrets: only `run` needs them; they live in the environment, which the message names

RUN_CASES = [
    Case(
        "missing-token",
        config_with(),
        lambda _: ["Set the bot token in the environment variable TELEGRAM_BOT_TOKEN."],
        commands=(("run",), ("run", "--webhook")),
        env={TOKEN_ENV: None, SECRET_ENV: "s3cret_Webhook"},
    ),
    Case(
        "malformed-token",
        config_with(),
        lambda _: ["The bot token in TELEGRAM_BOT_TOKEN is malformed"],
        commands=(("run",),),
        env={TOKEN_ENV: "12345:Zebedee-Unicorn"},
        secret="Zebedee-Unicorn",
    ),
    Case(
        "token-from-a-renamed-variable",
        config_with(telegram={"token_env": "AREA_BOT_TOKEN"}),
        lambda _: ["Set the bot token in the environment variable AREA_BOT_TOKEN."],
        commands=(("run",),),
    ),
    Case(
        "missing-webhook-secret",
        config_with(telegram={"webhook": {"public_url": "https://bot.example.org/telegram"}}),
        lambda _: ["Set a webhook secret in the environment variable INFOSHARE_WEBHOOK_SECRET"],
        commands=(("run", "--webhook"),),
    ),
    Case(
        "missing-webhook-public-url",
        config_with(),
        lambda _: ["telegram.webhook.public_url"],
        commands=(("run", "--webhook"),),
        env={SECRET_ENV: "s3cret_Webhook"},
    ),
]

# ---- dialogue cases: a copy of the shipped folder, broken one way -------------------------------

Edit = Callable[[Path], None]
EDITION = DEFAULT_EDITION
"""The edition folder broken below: the one `console` and `run` load by default."""


def broken_dialogues(edit: Edit) -> Callable[[Path], Path]:
    """A config whose `dialogues:` (relative, so resolved from its folder) is a broken copy."""

    def make(folder: Path) -> Path:
        shutil.copytree(DIALOGUES, folder / "content")
        edit(folder / "content")
        return write_config(folder, dialogues="content")

    return make


def edit_text(file: str, old: str, new: str) -> Edit:
    def edit(content: Path) -> None:
        path = content / EDITION / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not once in {file}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def edit_step(step: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    """Change one question of advice.yaml through its loaded data (comments are lost)."""

    def edit(content: Path) -> None:
        path = content / EDITION / "advice.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data["steps"][step])
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")

    return edit


def add_orphan(content: Path) -> None:
    path = content / EDITION / "advice.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["steps"]["orphan"] = dict(data["steps"]["consent"])
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")


def delete(file: str) -> Edit:
    def edit(content: Path) -> None:
        (content / EDITION / file).unlink()

    return edit


def empty(file: str) -> Edit:
    def edit(content: Path) -> None:
        (content / EDITION / file).write_text("", encoding="utf-8")

    return edit


def problem(*parts: str) -> Callable[[Path], list[str]]:
    """The message names the problem as `file: step: message` (parts joined as written)."""
    return lambda _: [": ".join(parts)]


DIALOGUE_CASES = [
    Case(
        "dialogue-bad-yaml",
        broken_dialogues(edit_text("advice.yaml", 'short: "Consent"', 'short: "Consent')),
        lambda _: [f"{EDITION}/advice.yaml: consent (line ", "is not valid YAML"],
        commands=(("check",), ("console",), ("run",)),
    ),
    Case(
        "dialogue-unknown-key",
        broken_dialogues(edit_step("consent", lambda step: step.update(hint="Ask first"))),
        problem(f"{EDITION}/advice.yaml", "consent", "hint", "Extra inputs are not permitted"),
    ),
    Case(
        "dialogue-wrong-type",
        broken_dialogues(edit_step("consent", lambda step: step.update(answers="yes"))),
        problem(f"{EDITION}/advice.yaml", "consent", "answers", "Input should be a valid tuple"),
    ),
    Case(
        "dialogue-unknown-target",
        broken_dialogues(
            edit_step("consent", lambda step: step["answers"][0].update(next="nowhere"))
        ),
        problem(
            f"{EDITION}/advice.yaml", "consent", "answer 'given' leads to unknown step 'nowhere'"
        ),
        commands=(("check",), ("run",)),
    ),
    Case(
        "dialogue-unreachable-step",
        broken_dialogues(add_orphan),
        problem(f"{EDITION}/advice.yaml", "orphan", "cannot be reached from the start"),
    ),
    Case(
        "dialogue-duplicate-answer",
        broken_dialogues(
            edit_step("consent", lambda step: step["answers"].append(step["answers"][0]))
        ),
        problem(f"{EDITION}/advice.yaml", "consent", "answer 'given' appears twice"),
    ),
    Case(
        "dialogue-label-too-long",
        broken_dialogues(
            edit_step("consent", lambda s: s["answers"][0].update(label="Given " + "x" * 60))
        ),
        problem(
            "advice.yaml",
            "consent",
            f"answer 'given': label is 66 characters; a button shows {BUTTON_TEXT_CHARS} at most",
        ),
    ),
    Case(
        "dialogue-no-reference-file",
        broken_dialogues(delete("reference.yaml")),
        problem("dialogues", "(folder)", "needs one reference file, found 0"),
    ),
    Case(
        "dialogue-no-advice-file",
        broken_dialogues(delete("advice.yaml")),
        problem("dialogues", "(folder)", "needs the 'advice' dialogue"),
        commands=(("check",), ("console",)),
    ),
    Case(
        "dialogue-empty-file",
        broken_dialogues(empty("quiz.yaml")),
        problem(f"{EDITION}/quiz.yaml", "(file)", "is empty"),
    ),
    Case(
        "dialogue-empty-advice",
        broken_dialogues(empty("advice.yaml")),
        problem(f"{EDITION}/advice.yaml", "(file)", "is empty"),
    ),
]

CASES = CONFIG_CASES + DESK_CASES + RUN_CASES + DIALOGUE_CASES
RUNS = [(case, command) for case in CASES for command in case.commands]


def environment(case: Case) -> dict[str, str]:
    """This environment without any real bot secrets, a fake token, then the case's changes."""
    env = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, SECRET_ENV)}
    env[TOKEN_ENV] = TOKEN
    for key, value in case.env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def launch(folder: Path, config: Path, command: tuple[str, ...], env: dict[str, str]) -> Done:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), *command],
        cwd=folder,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def key(case: Case, command: tuple[str, ...]) -> str:
    return "-".join([case.id, *(word.removeprefix("--") for word in command)])


def read_anyway(path: Path) -> bool:
    """Whether this user reads `path` although its mode allows nobody to (root does)."""
    return path.is_file() and os.access(path, os.R_OK) and not path.stat().st_mode & 0o444


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Path, Done]]]:
    """Every case's processes, run together: the file takes seconds rather than a minute."""
    jobs: dict[str, tuple[Path, Path, tuple[str, ...], dict[str, str]]] = {}
    configs = []
    for case in CASES:
        folder = tmp_path_factory.mktemp(case.id)
        config = case.make(folder)
        configs.append(config)
        if read_anyway(config):
            continue  # chmod 000 means nothing to root: the test skips
        for command in case.commands:
            jobs[key(case, command)] = (folder, config, command, environment(case))
    with ThreadPoolExecutor(max_workers=(os.cpu_count() or 1) + 1) as pool:
        futures = {name: pool.submit(launch, *job) for name, job in jobs.items()}
        yield {name: (jobs[name][1], future.result()) for name, future in futures.items()}
    for config in configs:
        if config.is_file():
            config.chmod(0o600)  # so pytest can clean up the unreadable one
    for taken in TAKEN:
        taken.close()


@pytest.mark.parametrize(("case", "command"), RUNS, ids=[key(c, cmd) for c, cmd in RUNS])
def test_broken_input_stops_start_up_with_one_clear_message(
    results: dict[str, tuple[Path, Done]], case: Case, command: tuple[str, ...]
) -> None:
    if key(case, command) not in results:
        pytest.skip("this user reads a file whatever its mode (root)")
    config, done = results[key(case, command)]
    content = case in DIALOGUE_CASES
    assert done.code == (1 if content else 2), done
    assert done.out == "", "a refusal prints nothing on standard output"
    assert "Traceback" not in done.err, done.err
    lines = done.err.splitlines()
    assert 1 <= len(lines) <= SCREEN_LINES, done.err
    assert all(len(line) <= 300 for line in lines), done.err
    for part in case.names(config):
        assert part in done.err, f"{part!r} not in {done.err!r}"
    if case.secret is not None:
        assert case.secret not in done.err
    if not content:
        assert done.err.startswith("infoshare-bot: "), done.err
