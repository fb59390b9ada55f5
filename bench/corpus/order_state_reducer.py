"""Reducer node folding order events into the current order state."""
from dataclasses import dataclass, field
from enum import Enum

from omnibase_core.nodes import NodeReducer


class EnumOrderStatus(str, Enum):
    """Lifecycle of an order."""

    CREATED = "created"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


@dataclass
class OrderState:
    """What the reducer keeps per order."""

    order_id: str
    status: EnumOrderStatus = EnumOrderStatus.CREATED
    total_cents: int = 0
    items: dict[str, int] = field(default_factory=dict)
    version: int = 0


class NodeOrderStateReducer(NodeReducer):
    """Applies events in order; stale versions are ignored."""

    def reduce(self, state: OrderState, event: dict[str, object]) -> OrderState:
        """Return the state after one event."""
        version = int(event.get("version", 0))
        if version <= state.version:
            return state
        kind = event.get("type")
        if kind == "item_added":
            sku = str(event["sku"])
            state.items[sku] = state.items.get(sku, 0) + int(event.get("quantity", 1))
            state.total_cents += int(event.get("price_cents", 0)) * int(event.get("quantity", 1))
        elif kind == "item_removed" and str(event["sku"]) in state.items:
            sku = str(event["sku"])
            state.items.pop(sku)
        elif kind == "paid" and state.status is EnumOrderStatus.CREATED:
            state.status = EnumOrderStatus.PAID
        elif kind == "shipped" and state.status is EnumOrderStatus.PAID:
            state.status = EnumOrderStatus.SHIPPED
        elif kind == "cancelled" and state.status is not EnumOrderStatus.SHIPPED:
            state.status = EnumOrderStatus.CANCELLED
        state.version = version
        return state

    def reduce_all(self, order_id: str, events: list[dict[str, object]]) -> OrderState:
        """Fold a whole history."""
        state = OrderState(order_id=order_id)
        for event in sorted(events, key=lambda e: int(e.get("version", 0))):
            state = self.reduce(state, event)
        return state
