"""The README's Quick start is what CI runs: the two must not drift apart."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def ci_lines() -> list[str]:
    return (ROOT / ".ci" / "run").read_text().splitlines()


def test_quick_start_has_exactly_two_commands() -> None:
    assert len(quick_start_commands()) == 2


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = quick_start_commands()[1]
    assert "pytest" in test_command
    assert test_command in ci_lines()


def test_ci_runs_the_readme_demo_command_without_extras_in_a_fresh_environment() -> None:
    """CI's demo session is the README's first command with only the environment's path
    changed (and a time limit and a script around ``python -m bot demo``): the same plain
    install, without the dev extra a new user does not have, in an environment of its own."""
    demo_command = quick_start_commands()[0]
    steps = demo_command.split(" && ")
    assert steps == ["python3.11 -m venv .venv", ".venv/bin/pip install -q -e .", ".venv/bin/python -m bot demo"]
    runs = [line for line in ci_lines() if "-m bot demo" in line and not line.lstrip().startswith("#")]
    assert len(runs) == 1, runs
    ci_steps = runs[0].split(" && ")
    env = ci_steps[0].removeprefix("python3.11 -m venv ")
    assert env != ".venv" and env.startswith('"$'), "a second environment, not the one with the dev extra"
    assert ci_steps[:2] == [step.replace(".venv", env) for step in steps[:2]]
    demo = re.fullmatch(r"timeout \d+ (.+?) <<<'[^']*' >\S+ 2>&1 \|\| demo_status=\$\?", ci_steps[2])
    assert demo is not None, ci_steps[2]
    assert demo.group(1) == steps[2].replace(".venv", env)
