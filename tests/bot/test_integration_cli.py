"""The integration commands through the real CLI: rules check/install/simulate, import with
its row report, template and export."""

from pathlib import Path
from typing import Any

from tests.integration_world import make_shop

GOOD = """rules:
  - name: big-order
    when: order_checked
    if: amount > 1000
    then: [{notify: {to: [finance_manager], message: "大单 {order_external_id}"}}]
"""


def test_rules_check_install_and_simulate(cli: Any, tmp_path: Path) -> None:
    invoke, domain = cli
    shop = make_shop(domain)
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace("amount > 1000", "amount > limit_left"))
    ok = invoke("rules", "check", str(good))
    assert ok.exit_code == 0 and "1 条规则：big-order" in ok.output
    refused = invoke("rules", "check", str(bad))
    assert refused.exit_code == 1 and "line 4" in refused.output and "limit_left" in refused.output
    assert invoke("rules", "install", str(bad), "--bu", "IND").exit_code == 1
    by_seller = invoke("rules", "install", str(good), "--bu", "IND", "--as", str(shop.sales_id))
    assert by_seller.exit_code == 1 and "credit_admin" in by_seller.output  # policy owners only
    assert "version 1" not in invoke("rules", "show", "--bu", "IND").output  # nothing changed
    installed = invoke("rules", "install", str(good), "--bu", "IND", "--as", str(shop.admin_id))
    assert installed.exit_code == 0, installed.output
    assert "第 1 版已生效" in installed.output and f"person:{shop.admin_id}" in installed.output
    shown = invoke("rules", "show", "--bu", "IND")
    assert "big-order" in shown.output and "version 1" in shown.output
    sim = invoke("rules", "simulate", "--since", "30d", "--file", str(good))
    assert sim.exit_code == 0 and "未做任何更改" in sim.output


def test_import_report_template_and_export(cli: Any, tmp_path: Path) -> None:
    invoke, domain = cli
    make_shop(domain)
    template = tmp_path / "发票.xlsx"
    assert invoke("import", "template", "invoices", str(template)).exit_code == 0
    bad = tmp_path / "inv.csv"
    bad.write_text("发票号,客户编号,金额,开票日期\nI-1,C1,1000,2026-02-01\nI-2,C1,约一千,2026-2-3\n")
    refused = invoke("import", "invoices", str(bad), "--bu", "IND")
    assert refused.exit_code == 1
    assert "未导入任何数据：共 1 处问题" in refused.output and "金额" in refused.output
    bad.write_text(bad.read_text().replace("约一千", "一千块"))
    done = invoke("import", "invoices", str(bad), "--bu", "IND")
    assert done.exit_code == 0 and "新增 2" in done.output
    out = tmp_path / "aging.xlsx"
    exported = invoke("export", "aging", str(out))
    assert exported.exit_code == 0 and "已写入 1 行" in exported.output and out.exists()
