"""The shipped schedules, run as cron and systemd run them, with a stub `scrapy` that records its argv.

Cron hands each crontab command to ``sh -c`` with a bare environment; systemd runs
``ExecStart=`` without a shell. Both must read ``/etc/hfpapers/env`` the same way
(as sh does, through `deploy/hfpapers-schedule`), so the paths under /etc and /opt are
moved into a temporary folder and everything else runs for real.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

README_SETTINGS = re.compile(r"`(HFPAPERS_SETTINGS=[^`]*)`")
BARE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # what cron gives a job, roughly


class Server:
    """/opt/hfpapers and /etc/hfpapers/env under ``top``, laid out as install-scrapyd.sh does."""

    def __init__(self, top: Path, env_text: str):
        self.top = top
        self.opt = top / "opt" / "hfpapers"
        self.env = top / "etc" / "hfpapers" / "env"
        self.record = top / "argv"
        self.env.parent.mkdir(parents=True)
        self.env.write_text(env_text, encoding="utf-8")
        (self.opt / "src").mkdir(parents=True)
        scrapy = self.opt / "venv" / "bin" / "scrapy"
        scrapy.parent.mkdir(parents=True)
        # Records its argv (NUL-separated), its folder and one variable the env file exports.
        # Exits with STUB_STATUS when the env file sets it (what `scrapy jobs` says of the jobs).
        scrapy.write_text(
            "#!/bin/sh\n"
            f'printf "%s\\0" "$@" > {self.record}\n'
            f'printf "%s\\n%s\\n" "$PWD" "${{SCRAPYD_PASSWORD:-unset}}" > {self.record}.env\n'
            'exit "${STUB_STATUS:-0}"\n'
        )
        scrapy.chmod(0o755)
        (self.opt / "bin").mkdir()
        for name in ("hfpapers-schedule", "hfpapers-jobs"):
            wrapper = self.opt / "bin" / name
            wrapper.write_text(self.moved((ROOT / "deploy" / name).read_text()))
            wrapper.chmod(0o755)

    def moved(self, text: str) -> str:
        return text.replace("/etc/hfpapers/env", str(self.env)).replace("/opt/hfpapers", str(self.opt))

    def argv(self) -> list[str]:
        return self.record.read_bytes().decode().split("\0")[:-1]

    def seen(self) -> list[str]:
        return Path(f"{self.record}.env").read_text().splitlines()


def cron_commands() -> dict[str, list[str]]:
    """Each crontab entry's command, by its schedule (the five time fields)."""
    entries: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "crontab").read_text().splitlines():
        if line[:1].isdigit():
            fields = line.split(None, 5)
            entries.setdefault(" ".join(fields[:5]), []).append(fields[5])
    return entries


def run_cron(server: Server, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", server.moved(command)],
        cwd=server.top,
        env={**BARE_ENV, "HOME": str(server.top)},
        capture_output=True,
        text=True,
        timeout=30,
    )


def run_systemd(
    server: Server, spider: str, unit_file: str = "hfpapers-schedule@.service"
) -> subprocess.CompletedProcess[str]:
    unit = (ROOT / "deploy" / "systemd" / unit_file).read_text()
    # Everything the unit passes to the process: systemd would read an EnvironmentFile itself.
    assert not re.search(r"^(Environment|EnvironmentFile)=", unit, re.M)
    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M)
    assert exec_start is not None
    argv = shlex.split(server.moved(exec_start.group(1).replace("%i", spider)))
    assert not any("$" in arg for arg in argv)  # nothing left for systemd to expand
    workdir = re.search(r"^WorkingDirectory=(.*)$", unit, re.M)
    assert workdir is not None
    return subprocess.run(
        argv, cwd=server.moved(workdir.group(1)), env=BARE_ENV, capture_output=True, text=True, timeout=30
    )


def readme_env_line() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = README_SETTINGS.findall(readme)
    assert len(lines) == 1, lines
    return lines[0]


def test_the_readme_env_line_is_one_sh_assignment(tmp_path: Path) -> None:
    env = tmp_path / "env"
    env.write_text(readme_env_line() + "\n")
    proc = subprocess.run(
        ["sh", "-c", f'set -a && . {env} && printf "%s" "$HFPAPERS_SETTINGS"'],
        env=BARE_ENV,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout == "-s PUBLISH_GIT=True -s PUBLISH_PUSH=True"


def test_cron_and_systemd_pass_the_readme_settings_as_separate_arguments(tmp_path: Path) -> None:
    server = Server(tmp_path, f"SITE_DIR=/srv/blog\nSCRAPYD_PASSWORD='s3 cret'\n{readme_env_line()}\n")
    expected = {
        "15 0 * * *": "daily",
        "0 14 * * *": "daily",
        "30 0 * * 1": "weekly",
        "45 0 1 * *": "monthly",
    }
    commands = {when: cmds for when, cmds in cron_commands().items() if "hfpapers-schedule" in cmds[0]}
    assert {when: len(cmds) for when, cmds in commands.items()} == dict.fromkeys(expected, 1)
    for when, spider in expected.items():
        want = ["schedule", "--target", "local", "--spider", spider, "-s", "SITE_DIR=/srv/blog"]
        want += ["-s", "PUBLISH_GIT=True", "-s", "PUBLISH_PUSH=True"]
        cron = run_cron(server, commands[when][0])
        assert cron.returncode == 0 and cron.stderr == "", (when, cron.stderr)
        assert server.argv() == want, when
        # Run in the source folder (scrapy.cfg's target), with the file's other variables exported.
        assert server.seen() == [str(server.opt / "src"), "s3 cret"]
        server.record.unlink()
        systemd = run_systemd(server, spider)
        assert systemd.returncode == 0 and systemd.stderr == "", (spider, systemd.stderr)
        assert server.argv() == want, spider
        assert server.seen() == [str(server.opt / "src"), "s3 cret"]


SITE = "SITE_DIR=/srv/my blog"


@pytest.mark.parametrize(
    ("line", "settings"),
    [
        ("", []),  # no HFPAPERS_SETTINGS at all
        # A value with a space, quoted the way sh quotes; a * is not a file name pattern.
        ("HFPAPERS_SETTINGS='-s \"POST_CATEGORIES=Daily Papers,일간\" -s X=*'",
         ["-s", "POST_CATEGORIES=Daily Papers,일간", "-s", "X=*"]),
    ],
)  # fmt: skip
def test_job_settings_are_read_as_sh_words(tmp_path: Path, line: str, settings: list[str]) -> None:
    server = Server(tmp_path, f"SITE_DIR='/srv/my blog'\n{line}\n")
    (tmp_path / "opt" / "hfpapers" / "src" / "a-file").touch()  # what a * would match
    proc = run_systemd(server, "daily")
    assert proc.returncode == 0, proc.stderr
    assert server.argv()[:7] == ["schedule", "--target", "local", "--spider", "daily", "-s", SITE]
    assert server.argv()[7:] == settings
    cron = run_cron(server, cron_commands()["15 0 * * *"][0])
    assert cron.returncode == 0, cron.stderr
    assert server.argv()[7:] == settings


def test_a_broken_env_file_is_one_line_and_nothing_scheduled(tmp_path: Path) -> None:
    unquoted = "HFPAPERS_SETTINGS=-s PUBLISH_GIT=True -s PUBLISH_PUSH=True"  # the README's line before
    server = Server(tmp_path, f"SITE_DIR=/srv/blog\n{unquoted}\n")
    proc = run_cron(server, cron_commands()["15 0 * * *"][0])
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and "-s" in proc.stderr, proc.stderr
    assert not server.record.exists()
    no_site = Server(tmp_path / "no-site", "HFPAPERS_SETTINGS=\n")
    proc = run_systemd(no_site, "daily")
    assert proc.returncode != 0 and "SITE_DIR" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not no_site.record.exists()


JOBS = ["jobs", "--node", "local", "--since", "1d"]


@pytest.mark.parametrize("status", [0, 1])
def test_the_daily_check_of_the_jobs_runs_from_cron_and_systemd(tmp_path: Path, status: int) -> None:
    """cron mails what the check prints (--quiet: only when a job failed); systemd's unit fails with it."""
    server = Server(tmp_path, f"SITE_DIR=/srv/blog\nSCRAPYD_PASSWORD='s3 cret'\nSTUB_STATUS={status}\n")
    (when, commands), *others = [(w, c) for w, c in cron_commands().items() if "hfpapers-jobs" in c[0]]
    assert others == [] and len(commands) == 1
    # After the evening refresh (14:00 UTC), with a day's window that holds both daily runs.
    assert when == "0 15 * * *"
    cron = run_cron(server, commands[0])
    assert cron.returncode == status and cron.stderr == "", cron.stderr
    assert server.argv() == [*JOBS, "--quiet"]
    assert server.seen() == [str(server.opt / "src"), "s3 cret"]
    systemd = run_systemd(server, "", "hfpapers-jobs.service")
    assert systemd.returncode == status and systemd.stderr == "", systemd.stderr
    assert server.argv() == JOBS
    timer = (ROOT / "deploy" / "systemd" / "hfpapers-jobs.timer").read_text()
    assert "Unit=hfpapers-jobs.service" in timer and "OnCalendar=*-*-* 15:00:00 UTC" in timer
    install = (ROOT / "deploy" / "install-scrapyd.sh").read_text()
    assert "deploy/hfpapers-jobs /opt/hfpapers/bin/hfpapers-jobs" in install
    assert re.search(r"^systemctl enable --now .*hfpapers-jobs\.timer", install, re.M)
