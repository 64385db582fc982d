"""``creditbot people`` and ``creditbot chat`` through the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from credit_domain.bootstrap import build_domain
from credit_domain.orgs.models import Person, PlatformIdentity
from tests.handlers.world import seed


def creditbot(args: list[str], db: str, tmp: Path, stdin: str | None = None,
              lang: str = "C.UTF-8") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db, "CREDITBOT_SCHEDULER": "0", "LANG": lang,
           "LC_ALL": lang, "COLUMNS": "300", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=tmp, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_enrol_link_and_list(sqlite_url: str, tmp_path: Path) -> None:
    domain = build_domain(sqlite_url)
    seed(domain)
    added = creditbot(["people", "add", "赵磊", "--bu", "IND", "--role", "salesperson",
                       "--team", "IND-E1", "--email", "Zhaolei@Example.com"], sqlite_url, tmp_path)
    assert added.returncode == 0, added.stderr
    assert "Enrolled 赵磊" in added.stdout
    linked = creditbot(["people", "link", "zhaolei@example.com", "--slack", "U024BE7LH"],
                       sqlite_url, tmp_path)
    assert linked.returncode == 0, linked.stderr
    assert "Linked slack user U024BE7LH to 赵磊" in linked.stdout
    again = creditbot(["people", "link", "赵磊", "--slack", "U024BE7LH"], sqlite_url, tmp_path)
    assert again.returncode == 0  # linking the same account again changes nothing
    taken = creditbot(["people", "link", "wangfang", "--slack", "U024BE7LH"], sqlite_url,
                      tmp_path)
    assert taken.returncode == 1 and "already linked to person" in taken.stderr
    typo = creditbot(["people", "link", "赵磊", "--slack", "zhaolei"], sqlite_url, tmp_path)
    assert typo.returncode == 1 and "does not look like a slack user id" in typo.stderr
    listed = creditbot(["people", "list"], sqlite_url, tmp_path)
    assert "赵磊" in listed.stdout and "slack:U024BE7LH" in listed.stdout
    assert "IND:salesperson@IND-E1" in listed.stdout and "wangfang" in listed.stdout
    with domain.read() as session:
        person = session.scalar(select(Person).where(Person.name == "赵磊"))
        assert person is not None and person.email == "zhaolei@example.com"
        assert session.scalar(select(PlatformIdentity.external_id).where(
            PlatformIdentity.person_id == person.id)) == "U024BE7LH"
    domain.dispose()


def test_bad_enrolments_change_nothing(sqlite_url: str, tmp_path: Path) -> None:
    domain = build_domain(sqlite_url)
    seed(domain)
    with domain.read() as session:
        before = len(session.scalars(select(Person)).all())
    for args, message in [
        (["--bu", "XXX", "--role", "salesperson", "--team", "IND-E1"], "no business unit XXX"),
        (["--bu", "IND", "--role", "boss"], "Unknown role boss"),
        (["--bu", "IND", "--role", "salesperson"], "needs a team"),
        (["--bu", "IND", "--role", "salesperson", "--team", "NOPE"], "no team NOPE in IND"),
    ]:
        r = creditbot(["people", "add", "钱七", *args], sqlite_url, tmp_path)
        assert r.returncode == 1 and message in r.stderr, (args, r.stderr)
    zh = creditbot(["people", "add", "钱七", "--bu", "XXX", "--role", "auditor"], sqlite_url,
                   tmp_path, lang="zh_CN.UTF-8")
    assert "不存在事业部 XXX" in zh.stderr
    with domain.read() as session:
        assert len(session.scalars(select(Person)).all()) == before
    domain.dispose()


def test_chat_in_the_terminal_through_a_pipe(sqlite_url: str, tmp_path: Path) -> None:
    domain = build_domain(sqlite_url)
    seed(domain)
    domain.dispose()
    r = creditbot(["chat", "--as", "zhangwei"], sqlite_url, tmp_path,
                  stdin="credit 华\n2\nlang zh\n额度 华为\n")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "Which customer do you mean?" in out and "2. 杭州华东精密机械有限公司" in out
    assert "Answer with a number to choose" in out
    assert "Status: On hold since 20" in out
    assert "好的，从现在起我用中文和您交流。" in out
    assert "华为技术有限公司\n工业品事业部" in out and "可用额度: ¥" in out
    nobody = creditbot(["chat", "--as", "nobody"], sqlite_url, tmp_path, stdin="help\n")
    assert nobody.returncode == 1 and "No person matches nobody" in nobody.stderr
