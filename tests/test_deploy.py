"""The shipped schedules: cron and systemd as they run them, with a stub `scrapy` that records its
argv; the GitHub Actions workflow's own steps, its plan of crawls, its pins and its lint.

Cron hands each crontab command to ``sh -c`` with a bare environment; systemd runs
``ExecStart=`` without a shell. Both must read ``/etc/hfpapers/env`` the same way
(as sh does, through `deploy/hfpapers-schedule`), so the paths under /etc and /opt are
moved into a temporary folder and everything else runs for real.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixture_server import FixtureServer
from hfpapers import plan
from hfpapers import settings as project_defaults
from tests.conftest import ROOT, source_settings

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
    """The one `HFPAPERS_SETTINGS=` line the README and docs/ give for /etc/hfpapers/env."""
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    lines = [line for doc in docs for line in README_SETTINGS.findall(doc.read_text(encoding="utf-8"))]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


# --- GitHub Actions: deploy/github-actions/papers.yml and python -m hfpapers.plan --------------

WORKFLOW = ROOT / "deploy" / "github-actions" / "papers.yml"
BIN = Path(sys.executable).parent  # zizmor and check-jsonschema, from requirements-dev.txt
PINNED_RE = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}  # v\d+\.\d+\.\d+$")


def workflow() -> dict[Any, Any]:
    spec: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return spec


def steps() -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in workflow()["jobs"]["crawl"]["steps"]}


def planned(*argv: str) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert plan.main(["--dry-run", *argv]) == 0
    return [line.removeprefix("plan: ") for line in out.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("now", "crawls"),
    [
        ("2026-02-18T00:15:00Z", ["daily -a date=2026-02-18"]),  # an ordinary Wednesday
        ("2026-02-18T14:00:00Z", ["daily -a date=2026-02-18"]),  # its evening refresh
        ("2026-02-23T00:15:00Z", ["daily -a date=2026-02-23", "weekly -a week=2026-W08"]),  # a Monday
        ("2026-03-01T00:15:00Z", ["daily -a date=2026-03-01", "monthly -a month=2026-02"]),  # the 1st
        (
            "2026-06-01T00:15:00Z",  # a Monday that is the 1st
            ["daily -a date=2026-06-01", "weekly -a week=2026-W22", "monthly -a month=2026-05"],
        ),
        # The week before 2021-01-04 is the ISO year 2020's 53rd; a run GitHub starts late
        # still crawls its UTC day, whatever the clock says in Seoul.
        ("2021-01-04T14:00:00+00:00", ["daily -a date=2021-01-04", "weekly -a week=2020-W53"]),
        ("2026-02-22T23:59:00Z", ["daily -a date=2026-02-22"]),
        ("2026-02-23T08:30:00+09:00", ["daily -a date=2026-02-22"]),  # Sunday in UTC
    ],
)
def test_a_scheduled_run_crawls_the_day_and_the_week_or_month_that_has_just_closed(
    now: str, crawls: list[str]
) -> None:
    assert planned("--now", now) == [f"scrapy crawl {c}" for c in crawls]


def test_a_run_started_by_hand_crawls_what_it_names() -> None:
    assert planned("--week", "2026-W08", "--date", "", "--start", "2026-02-16", "--end", "2026-02-18") == [
        "scrapy crawl weekly -a week=2026-W08",
        "scrapy crawl daily -a start=2026-02-16 -a end=2026-02-18",
    ]
    assert planned("--month", "2026-02", "--now", "2026-06-01T00:15:00Z") == [
        "scrapy crawl monthly -a month=2026-02"
    ]


def test_after_a_stop_no_crawl_starts(capsys: pytest.CaptureFixture[str]) -> None:
    """A stop that came before a crawl was started (here: before the first) leaves it unstarted."""
    stop = plan.Stop()
    stop.received.append(signal.SIGTERM)
    assert plan._main(["--date", "2026-02-18", "--week", "2026-W08"], stop) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.splitlines() == [
        "not run (SIGTERM came first): scrapy crawl daily -a date=2026-02-18",
        "not run (SIGTERM came first): scrapy crawl weekly -a week=2026-W08",
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--date", "2026-02-30"], "date: '2026-02-30' is not a day in the form YYYY-MM-DD"),
        (["--week", "2026-W8"], "week: '2026-W8' is not a week in the form YYYY-Www"),
        (
            ["--date", "2026-02-18", "--month", "2026-13"],
            "month: '2026-13' is not a month in the form YYYY-MM",
        ),
        (["--start", "2026-02-16"], "start and end: a range needs both (YYYY-MM-DD)"),
        (["--start", "2026-02-18", "--end", "2026-02-16"], "start: 2026-02-18 is after end 2026-02-16"),
        (["--now", "Monday"], "now: 'Monday' is not a time in ISO 8601 (2026-02-23T00:15:00Z)"),
    ],
)
def test_a_bad_input_is_one_line_exit_2_and_no_crawl(argv: list[str], error: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hfpapers.plan", *argv, "-s", "SITE_DIR=/nonexistent"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"error: {error}\n")


@pytest.mark.slow
def test_the_workflow_is_valid_pinned_and_lint_clean() -> None:
    schema = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    lint = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert lint.returncode == 0 and "No findings to report" in lint.stdout, lint.stdout + lint.stderr
    # Every action at a full commit, its release named beside it.
    uses = re.findall(r"^\s+(?:- )?uses: (.*)$", WORKFLOW.read_text(encoding="utf-8"), flags=re.M)
    assert len(uses) == 3 and all(PINNED_RE.match(u) for u in uses), uses
    # Neither checkout keeps credentials: the crawl pushes with the token it is given.
    checkouts = [s for s in workflow()["jobs"]["crawl"]["steps"] if "actions/checkout@" in s.get("uses", "")]
    assert [s["with"]["persist-credentials"] for s in checkouts] == [False, False]


def test_the_workflow_runs_the_plan_twice_a_day_with_the_summaries_key_from_a_secret() -> None:
    spec = workflow()
    triggers = spec[True]  # YAML 1.1 reads the key "on" as true
    assert [c["cron"] for c in triggers["schedule"]] == ["15 0 * * *", "0 14 * * *"]
    assert set(triggers["workflow_dispatch"]["inputs"]) == {"date", "week", "month", "start", "end"}
    crawl = steps()["Crawl, commit and push"]
    assert crawl["working-directory"] == ".hfpapers"
    run = " ".join(crawl["run"].split())
    # exec: the runner signals the step's shell alone, which is then the plan.
    assert run.startswith('exec python -m hfpapers.plan --date "$DAY" --week "$WEEK" --month "$MONTH"')
    for setting in (
        'SITE_DIR="$GITHUB_WORKSPACE"',
        "PUBLISH_GIT=True",
        "PUBLISH_PUSH=True",
        'PUBLISH_GIT_BRANCH="$BLOG_BRANCH"',
        'SUMMARY_API_URL="$SUMMARY_API_URL"',
    ):
        assert f"-s {setting}" in run  # fmt: skip
    assert "${{" not in crawl["run"]  # inputs reach the shell as variables, never as its text
    assert crawl["env"]["SUMMARY_API_KEY"] == "${{ secrets.SUMMARY_API_KEY }}"
    assert crawl["env"]["PUBLISH_GIT_TOKEN"] == "${{ github.token }}"
    assert crawl["env"]["DAY"] == "${{ inputs.date }}"
    assert spec["jobs"]["crawl"]["permissions"] == {"contents": "write", "actions": "write"}
    assert spec["env"]["BLOG_BRANCH"] == "master" and spec["env"]["DEPLOY_WORKFLOW"] == "pages-deploy.yml"


def run_step(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("value", ["", "hfpapers", "/hfpapers", "lim4349/"])
def test_without_the_repository_of_hfpapers_the_first_step_says_what_to_set(
    tmp_path: Path, value: str
) -> None:
    first = workflow()["jobs"]["crawl"]["steps"][0]
    assert first["name"] == "Check the settings" and workflow()["env"]["HFPAPERS_REPOSITORY"] == ""
    proc = run_step(first["run"], tmp_path, HFPAPERS_REPOSITORY=value)
    assert proc.returncode == 1 and proc.stderr == ""
    assert proc.stdout == (
        f"::error::HFPAPERS_REPOSITORY is '{value}': set it at the top of this workflow to the GitHub"
        " repository hfpapers is published in, as owner/name\n"
    )
    assert run_step(first["run"], tmp_path, HFPAPERS_REPOSITORY="me/hfpapers").returncode == 0


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Someone", "-c", "user.email=someone@example.org", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout.rstrip()


def blog(tmp_path: Path) -> tuple[Path, Path]:
    """A bare remote on branch master, as the blog's, and a clone of it: the blog's checkout."""
    remote, clone = tmp_path / "blog.git", tmp_path / "blog"
    git(tmp_path, "init", "-q", "--bare", "-b", "master", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    git(clone, "commit", "-q", "--allow-empty", "-m", "start")
    git(clone, "push", "-q", "origin", "master")
    return remote, clone


def crawl_step_env(server: FixtureServer, tmp_path: Path, clone: Path, **inputs: str) -> dict[str, str]:
    """The crawl step's environment: the workflow's, its inputs, and the recorded Hugging Face and
    arXiv (a settings module on top of the project's); the summaries from ``server`` too."""
    sources = tmp_path / "sources"
    sources.mkdir()
    lines = [f"{name} = {value!r}" for name, value in source_settings(server).items()]
    (sources / "fixture_sources.py").write_text(
        "from hfpapers.settings import *  # noqa\n" + "\n".join(lines)
    )
    return {
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "PYTHONPATH": f"{sources}:{ROOT}",
        "SCRAPY_SETTINGS_MODULE": "fixture_sources",
        **{name: str(value) for name, value in workflow()["env"].items()},
        "GITHUB_WORKSPACE": str(clone),
        "PUBLISH_GIT_TOKEN": "",
        "SUMMARY_API_KEY": "",
        **{name: inputs.get(name.lower(), "") for name in ("DAY", "WEEK", "MONTH", "START", "END")},
    }


@pytest.mark.slow
def test_the_crawl_step_run_by_hand_publishes_a_day_a_week_and_a_month(
    fixture_server: FixtureServer, tmp_path: Path
) -> None:
    """The step's own shell and `python -m hfpapers.plan`, against the recorded Hugging Face and
    arXiv and a real bare remote."""
    fixture_server.reset()
    remote, clone = blog(tmp_path)
    env = crawl_step_env(fixture_server, tmp_path, clone, day="2026-02-23", week="2026-W08", month="2026-02")
    proc = run_step(steps()["Crawl, commit and push"]["run"], ROOT, **env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [line.split(":")[0] for line in git(remote, "log", "--format=%s", "master").splitlines()] == [
        "Monthly papers 2026-02",
        "Weekly papers 2026-W08",
        "Daily papers 2026-02-23",
        "start",
    ]
    assert git(remote, "log", "-1", "--format=%an <%ae>", "master") == project_defaults.PUBLISH_GIT_AUTHOR


def processes_using(path: Path) -> list[int]:
    """The processes whose command line names ``path``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if str(path).encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("to_group", [False, True], ids=["runner-cancel", "ctrl-c-to-the-group"])
def test_a_stop_reaches_the_crawl_and_the_whole_list_is_pushed(
    fixture_server: FixtureServer, tmp_path: Path, to_group: bool
) -> None:
    """The step run as GitHub's runner runs it (``bash --noprofile --norc -eo pipefail FILE``),
    stopped as the runner cancels a step or times it out: SIGINT to the step's shell alone,
    SIGTERM 7.5 s later, then SIGKILL to whatever is left; or with Ctrl-C, SIGINT to the
    whole process group. The day's crawl is waiting on a summaries endpoint that never
    answers: the stop reaches it, its whole list is pushed, no further crawl starts."""
    fixture_server.reset()
    fixture_server.faults.summary_hang = True
    remote, clone = blog(tmp_path)
    env = crawl_step_env(fixture_server, tmp_path, clone, day="2026-02-18", week="2026-W08", month="2026-02")
    env |= {"SUMMARY_API_URL": f"{fixture_server.url}/v1", "SUMMARY_MODEL": "qwen2.5:7b"}
    script = tmp_path / "step.sh"
    script.write_text(steps()["Crawl, commit and push"]["run"] + "\n")
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        step = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=ROOT, env={**os.environ, **env}, stdout=stdout, stderr=stderr, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while fixture_server.count()["summary"] < 2 and time.monotonic() < deadline and step.poll() is None:
            time.sleep(0.05)
        assert fixture_server.count()["summary"] == 2, err.read_text()[-3000:]  # the day's crawl waits
        if to_group:
            os.killpg(step.pid, signal.SIGINT)
        else:
            step.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            step.wait(7.5)
        if step.poll() is None:
            step.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                step.wait(2.5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(step.pid, signal.SIGKILL)
        step.wait()
        for pid in processes_using(clone):  # what the runner's cleanup of the job kills
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    stdout_text, stderr_text = out.read_text(), err.read_text()
    assert step.returncode == 1, stderr_text[-3000:]  # the crawl's own: stopped
    assert "Traceback" not in stderr_text, stderr_text[-3000:]
    assert "Run outcome: failed (finish reason shutdown)" in stderr_text
    assert [line.split(":")[0] for line in git(remote, "log", "--format=%s", "master").splitlines()] == [
        "Daily papers 2026-02-18",
        "start",
    ]
    assert stdout_text.splitlines() == ["plan: scrapy crawl daily -a date=2026-02-18"]
    assert stderr_text.rstrip().splitlines()[-2:] == [
        "not run (SIGINT came first): scrapy crawl weekly -a week=2026-W08",
        "not run (SIGINT came first): scrapy crawl monthly -a month=2026-02",
    ]
    assert processes_using(clone) == []  # the plan waited for its crawl


@pytest.mark.slow
def test_the_site_is_deployed_only_after_a_push(tmp_path: Path) -> None:
    """The workflow's own shell steps, run with bash; `gh` answers from a real remote (its
    `api …/commits/BRANCH`, or fails when GH_API_FAILS is set) and records `workflow run`."""
    spec_steps = steps()
    before_step, deploy_step = (
        spec_steps["Note the branch head before the crawl"],
        spec_steps["Deploy the site if the crawl pushed"],
    )
    # Also after a cancelled or timed-out run (the crawl pushes what is whole at a stop), never
    # when the head before was not read: GitHub evaluates this; the script below holds it too.
    assert deploy_step["if"] == "${{ always() && steps.before.outputs.head != '' }}"
    remote, clone = blog(tmp_path)
    bin_dir, calls = tmp_path / "bin", tmp_path / "gh-calls"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(
        "#!/bin/sh\n"
        'if [ "$1" = api ]; then\n'
        '  [ "$2 $3 $4" = "repos/me/blog/commits/master --jq .sha" ] || exit 3\n'
        '  if [ -n "$GH_API_FAILS" ]; then echo "HTTP 502: Bad Gateway" >&2; exit 1; fi\n'
        f"  git ls-remote {remote} refs/heads/master | cut -f1\n"
        "  exit 0\n"
        "fi\n"
        f'echo "$@" >> {calls}\n'
    )
    (bin_dir / "gh").chmod(0o755)
    env = {**{k: str(v) for k, v in workflow()["env"].items()}, "GITHUB_REPOSITORY": "me/blog",
           "PATH": f"{bin_dir}:{os.environ['PATH']}"}  # fmt: skip
    output = tmp_path / "output"

    def head_before(**extra: str) -> tuple[int, str]:
        output.write_text("")
        proc = run_step(before_step["run"], clone, GITHUB_OUTPUT=str(output), **env, **extra)
        return proc.returncode, output.read_text()

    status, written = head_before()
    assert status == 0 and written.startswith("head=")
    head = written.strip().removeprefix("head=")
    assert len(head) == 40
    proc = run_step(deploy_step["run"], clone, BEFORE=head, **env)
    assert proc.returncode == 0 and "nothing pushed: no deploy" in proc.stdout, proc.stderr
    assert not calls.exists()
    git(clone, "commit", "-q", "--allow-empty", "-m", "Daily papers 2026-02-18: 13 papers")
    git(clone, "push", "-q", "origin", "master")
    # A head that cannot be read fails its step (and so the crawl), and writes no output.
    assert head_before(GH_API_FAILS="1") == (1, "")
    # Without the head before, nothing says the crawl pushed: no deploy, though the branch moved.
    proc = run_step(deploy_step["run"], clone, BEFORE="", **env)
    assert proc.returncode == 0 and "the head before the crawl is unknown: no deploy" in proc.stdout
    assert not calls.exists()
    # The head after that cannot be read: the step fails, and starts nothing.
    assert run_step(deploy_step["run"], clone, BEFORE=head, GH_API_FAILS="1", **env).returncode != 0
    assert not calls.exists()
    assert run_step(deploy_step["run"], clone, BEFORE=head, **env).returncode == 0
    assert calls.read_text() == "workflow run pages-deploy.yml --ref master\n"
