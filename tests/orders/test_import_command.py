"""python manage.py import_orders: progress on stderr, a summary and every error on stdout; as
the system by default, or ``--as`` a user with that user's rights; a help that works; and an exit
status a script can go by (1 when a file is refused or nothing could be imported)."""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.core.management.base import connections
from django.utils import translation

from aftersales.orders.management.commands.import_orders import Command
from aftersales.orders.models import Order, OrderLine
from tests.factories import UserFactory

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ORDERS_SAMPLE = SAMPLES / "ExportOrderList_sample.csv"
ITEMS_SAMPLE = SAMPLES / "ExportOrderDetailList_sample.csv"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_orders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_progress_and_a_summary(shop):
    out, err = run(
        "--shop", shop.name, str(ORDERS_SAMPLE), str(ITEMS_SAMPLE),
        "--batch-size", "20", "--progress-every", "50",
    )  # fmt: skip

    progress = re.findall(r"^已处理 ([\d,]+) 行，[\d,]+ 行/秒$", err, re.MULTILINE)
    assert progress == ["60", "103", "150"]
    assert re.fullmatch(
        r"读取 150 行，用时 \d+\.\d 秒（[\d,]+ 行/秒）。"
        r"新建订单 60，更新 0，未变 0；新建明细 90；错误 0 个。\n",
        out,
    )
    assert Order.objects.filter(shop=shop).count() == 60


def test_the_command_prints_each_error_with_row_and_column(shop, tmp_path):
    text = ORDERS_SAMPLE.read_bytes().decode("gb18030")
    bad = tmp_path / "ExportOrderList_bad.csv"
    bad.write_bytes(
        text.replace(",交易成功,不要放快递柜，谢谢,李娟", ",已退款,不要放快递柜，谢谢,李娟").encode(
            "gbk"
        )
    )

    out, _err = run("--shop", shop.name, str(bad))

    lines = out.splitlines()
    assert "新建订单 59，更新 0，未变 0；新建明细 0；错误 1 个。" in lines[0]
    assert lines[1:] == ["ExportOrderList_bad.csv 第 3 行［订单状态］：无法识别的订单状态：已退款"]


def test_an_unknown_shop_is_refused(db):
    with pytest.raises(CommandError, match="没有名为“无此店”的店铺。"):
        run("--shop", "无此店", str(ORDERS_SAMPLE))


def test_a_missing_file_is_refused(shop, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run("--shop", shop.name, str(tmp_path / "nope.csv"))

    assert not Order.objects.exists()


# --- --as: importing as a user, with that user's rights --------------------------------------


def test_as_a_supervisor_the_command_imports(shop, supervisor):
    out, _err = run("--shop", shop.name, "--as", "supervisor", str(ORDERS_SAMPLE))

    assert "新建订单 60，更新 0，未变 0；新建明细 0；错误 0 个。" in out
    assert Order.objects.filter(shop=shop).count() == 60


@pytest.mark.parametrize("role", ["agent", "warehouse", "packer"])
def test_as_a_role_that_may_not_import_nothing_is_imported(shop, role):
    UserFactory(username=role, roles=[role], shops=[shop])

    with pytest.raises(CommandError, match="^您的角色不能导入或修改订单。$"):
        run("--shop", shop.name, "--as", role, str(ORDERS_SAMPLE))

    assert not Order.objects.exists()


def test_as_a_user_of_another_shop_the_shop_is_not_found(shop, outsider):
    with pytest.raises(CommandError, match="^记录不存在。$"):
        run("--shop", shop.name, "--as", "outsider", str(ORDERS_SAMPLE))

    assert not Order.objects.exists()


def test_as_an_unknown_user_is_refused(shop):
    with pytest.raises(CommandError, match="没有用户名为“nobody”的员工。"):
        run("--shop", shop.name, "--as", "nobody", str(ORDERS_SAMPLE))

    assert not Order.objects.exists()


# --- help ----------------------------------------------------------------------------------


def test_help_works_from_the_command_line():
    done = subprocess.run(  # noqa: S603 - our own manage.py, no shell
        [sys.executable, "manage.py", "import_orders", "--help"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (done.returncode, done.stderr) == (0, "")
    assert "导入淘宝卖家中心导出的订单报表（ExportOrderList）" in done.stdout
    assert "订单报表只有这些列是必需的：订单编号、买家会员名、买家应付货款、" in done.stdout
    assert "退出状态：" in done.stdout


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "订单报表文件"), ("en", "Order report file")]
)
def test_help_is_in_the_active_language(language, text):
    with translation.override(language):
        help_text = Command().create_parser("manage.py", "import_orders").format_help()

    assert text in help_text
    assert "--progress-every" in help_text


# --- exit status ---------------------------------------------------------------------------


def _without_header_column(tmp_path: Path, column: str) -> Path:
    text = ORDERS_SAMPLE.read_bytes().decode("gb18030")
    header, rest = text.split("\r\n", 1) if "\r\n" in text else text.split("\n", 1)
    path = tmp_path / "ExportOrderList_bad.csv"
    path.write_bytes((header.replace(column, "状态") + "\r\n" + rest).encode("gbk"))
    return path


def test_a_refused_file_exits_1_with_the_reason_on_stderr(shop, tmp_path, capsys, monkeypatch):
    # run_from_argv closes the connections when done, as a process that ends would; the
    # test's transaction must outlive it.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    bad = _without_header_column(tmp_path, "订单状态")

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(
            ["manage.py", "import_orders", "--skip-checks", "--shop", shop.name, str(bad)]
        )

    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        "CommandError: ExportOrderList_bad.csv 未能导入：缺少必需的列：订单状态。整个文件未导入。"
    )
    assert not Order.objects.exists()


def test_a_refused_file_raises_with_the_report_printed(shop, tmp_path):
    bad = _without_header_column(tmp_path, "订单状态")
    out = io.StringIO()

    with pytest.raises(CommandError, match="缺少必需的列：订单状态。") as refused:
        call_command("import_orders", "--shop", shop.name, str(bad), stdout=out)

    assert refused.value.returncode == 1
    assert out.getvalue().splitlines()[1:] == [
        "ExportOrderList_bad.csv 第 1 行：缺少必需的列：订单状态。整个文件未导入。"
    ]


def test_a_refused_item_report_exits_1_and_keeps_the_orders(shop, tmp_path):
    text = ITEMS_SAMPLE.read_bytes().decode("gb18030").replace("购买数量", "数量", 1)
    items = tmp_path / "ExportOrderDetailList_bad.csv"
    items.write_bytes(text.encode("gbk"))

    with pytest.raises(CommandError, match="^ExportOrderDetailList_bad.csv 未能导入："):
        run("--shop", shop.name, str(ORDERS_SAMPLE), str(items))

    assert Order.objects.filter(shop=shop).count() == 60
    assert not OrderLine.objects.exists()


def test_some_rows_refused_exits_0_with_the_report(shop, tmp_path):
    text = ORDERS_SAMPLE.read_bytes().decode("gb18030")
    bad = tmp_path / "o.csv"
    bad.write_bytes(text.replace(",交易成功,", ",已退款,", 1).encode("gbk"))

    out, _err = run("--shop", shop.name, str(bad))  # returns: exit status 0

    assert "新建订单 59，更新 0，未变 0；新建明细 0；错误 1 个。" in out


def test_no_row_imported_exits_1(shop, tmp_path):
    text = ORDERS_SAMPLE.read_bytes().decode("gb18030")
    for status in ("交易成功", "交易关闭", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认"):
        text = text.replace(f",{status},", ",已退款,")
    bad = tmp_path / "o.csv"
    bad.write_bytes(text.encode("gbk"))
    out = io.StringIO()

    with pytest.raises(CommandError, match="^没有一行能导入：60 个错误，见上。$"):
        call_command("import_orders", "--shop", shop.name, str(bad), stdout=out)

    assert len(out.getvalue().splitlines()) == 61  # the summary and each row's error
    assert not Order.objects.exists()


def test_an_export_with_no_orders_in_it_exits_0(shop, tmp_path):
    header = ORDERS_SAMPLE.read_bytes().decode("gb18030").splitlines()[0]
    empty = tmp_path / "o.csv"
    empty.write_bytes((header + "\r\n").encode("gbk"))

    out, _err = run("--shop", shop.name, str(empty))

    assert "新建订单 0，更新 0，未变 0；新建明细 0；错误 0 个。" in out
