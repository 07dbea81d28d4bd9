from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "aftersales.returns"
    label = "returns"

    def ready(self) -> None:
        from aftersales.approvals.registry import register_decision_handler
        from aftersales.returns.registration import register
        from aftersales.returns.services.flows.actions import compensation_decided

        register()
        register_decision_handler("compensation", compensation_decided)

        # Pending and succeeded refunds hold money that an order import may not undo.
        from aftersales.orders.holds import register_money_held
        from aftersales.returns.models import HOLDING_STATUSES, Refund

        register_money_held(
            Refund.objects.filter(status__in=HOLDING_STATUSES),
            line="order_line",
            amount="amount",
            freight="freight_amount",
        )
