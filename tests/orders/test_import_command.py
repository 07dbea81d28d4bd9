"""python manage.py import_orders: progress on stderr, a summary and every error on stdout; as
the system by default, or ``--as`` a user with that user's rights."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aftersales.orders.models import Order
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
