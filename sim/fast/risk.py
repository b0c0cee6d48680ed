"""The pre-trade checks the fast engine supports, over whole arrays.

Supported limits never read the books: the kill switch as configured, ``max_order_qty``,
``max_notional`` and ``max_orders_per_window``. An order without a price (a market
order, a modify keeping its price) is valued at the book's reference price in the
SimPy engine; the fast engine takes it only when no price its symbol's orders carry
could make it fail (the reference is a trade or mid price, so never above the highest
limit price of that symbol), and refuses the run otherwise.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.core.orders import Side
from sim.core.pretrade import PreTradeRisk
from sim.core.vocabulary import OrderAction, RejectReason
from sim.errors import ScenarioError
from sim.model.recorder import NULL, OrderRecorder
from sim.scenario.faults import KillSwitchFault
from sim.scenario.schema import Scenario

Ints = npt.NDArray[np.int64]
NO_REASON = -1


def account_names(recorder: OrderRecorder, seqs: Ints) -> list[str]:
    """The account of each order (``OrderAccounts.name``): its account, else its source."""
    columns = recorder.columns
    codes, sources = columns["account"][seqs].tolist(), columns["source"][seqs].tolist()
    return [recorder.accounts[code] if code >= 0 else recorder.sources[source]
            for code, source in zip(codes, sources, strict=True)]


def risk_reasons(scenario: Scenario, recorder: OrderRecorder, seqs: Ints, times: Ints,
                 origin_ns: int = 0) -> Ints:
    """The reject reason code of each order checked at ``times`` (in that order), or -1.

    ``kill_switch`` faults count from ``origin_ns``; their edges come before any check
    at the same nanosecond (scheduled before the run), so a check in ``[start, end)``
    is refused.
    """
    risk = scenario.risk
    reasons = np.full(seqs.size, NO_REASON, dtype=np.int64)
    if not risk.enabled or not seqs.size:
        return reasons
    columns = recorder.columns
    in_order = bool(seqs[0] == 0 and seqs[-1] == seqs.size - 1 and (np.diff(seqs) == 1).all())
    rows: Ints | slice = slice(0, seqs.size) if in_order else seqs
    action, qty = columns["action"][rows], columns["qty"][rows]
    price, symbol = columns["price"][rows], columns["symbol"][rows]
    checked = (action != OrderAction.CANCEL) & (qty != NULL)
    _check_unpriced(scenario, recorder, checked & (price == NULL), qty, symbol)
    windowed = _killed_in_windows(scenario, recorder, seqs, times, origin_ns)
    if risk.max_orders_per_window is not None:
        return _chain(scenario, recorder, seqs, times, checked & ~windowed, checked & windowed)
    limit_ns = None if risk.max_notional is None else risk.max_notional * scenario.price_scale
    killed = windowed.copy()
    switch = risk.kill_switch
    if switch.global_active:
        killed[:] = True
    elif switch.accounts:
        names = np.array(account_names(recorder, seqs), dtype=object)
        killed |= np.isin(names, list(switch.accounts))
    over_qty = (np.zeros(seqs.size, dtype=bool) if risk.max_order_qty is None
                else qty > risk.max_order_qty)
    over_notional = np.zeros(seqs.size, dtype=bool)
    if limit_ns is not None:
        priced = checked & (price != NULL)
        positive = priced & (price > 0) & (qty > 0)
        safe_price = np.where(positive, price, 1)
        over_notional = positive & (qty > limit_ns // safe_price)
        odd = np.flatnonzero(priced & ~positive)
        for index in odd.tolist():
            over_notional[index] = int(price[index]) * int(qty[index]) > limit_ns
    for reason, fails in ((RejectReason.MAX_NOTIONAL, over_notional),
                          (RejectReason.MAX_ORDER_QTY, over_qty),
                          (RejectReason.KILL_SWITCH, killed)):
        reasons[checked & fails] = int(reason)
    return reasons


def _check_unpriced(scenario: Scenario, recorder: OrderRecorder, unpriced: npt.NDArray[np.bool_],
                    qty: Ints, symbol: npt.NDArray[np.int32]) -> None:
    """Refuse the run if an unpriced order could fail ``max_notional`` at some book price."""
    limit = scenario.risk.max_notional
    if limit is None or not unpriced.any():
        return
    columns = recorder.columns
    count = recorder.count
    prices, symbols = columns["price"][:count], columns["symbol"][:count]
    if int(prices.max()) * int(qty[unpriced].max()) <= limit * scenario.price_scale:
        return  # no price of any symbol could make any of them fail (NULL is negative)
    for code in np.unique(symbol[unpriced]).tolist():
        held = prices[(symbols == code) & (prices != NULL)]
        top = int(held.max()) if held.size else 0
        largest = int(qty[unpriced & (symbol == code)].max())
        if top > 0 and top * largest > limit * scenario.price_scale:
            raise ScenarioError(
                f"{scenario.source}: engine = \"fast\": risk.max_notional: an order of "
                f"{recorder.symbols[code]} without a price is valued at the book's price at "
                "its check, which the fast engine does not follow; use engine = \"simpy\"")


def _killed_in_windows(scenario: Scenario, recorder: OrderRecorder, seqs: Ints, times: Ints,
                       origin_ns: int) -> npt.NDArray[np.bool_]:
    """Orders checked inside a ``kill_switch`` fault window of all accounts or their own."""
    killed = np.zeros(seqs.size, dtype=bool)
    faults = [fault for fault in scenario.faults if isinstance(fault, KillSwitchFault)]
    names = np.array(account_names(recorder, seqs), dtype=object) if any(
        fault.account is not None for fault in faults) else None
    for fault in faults:
        start = origin_ns + fault.at
        inside = (times >= start) & (times < start + fault.duration)
        if fault.account is not None and names is not None:
            inside &= names == fault.account
        killed |= inside
    return killed


def _chain(scenario: Scenario, recorder: OrderRecorder, seqs: Ints, times: Ints,
           checked: npt.NDArray[np.bool_], killed: npt.NDArray[np.bool_]) -> Ints:
    """The core chain order by order (the order rate counts passes in check order).

    Orders ``killed`` by a fault window are refused without a check (the kill switch is
    the chain's first check, and a refused order does not count towards the rate).
    """
    pretrade = PreTradeRisk(scenario.risk, scenario.price_scale)
    names = account_names(recorder, seqs)
    columns = recorder.columns
    symbols, sides = columns["symbol"][seqs].tolist(), columns["side"][seqs].tolist()
    prices, qtys = columns["price"][seqs].tolist(), columns["qty"][seqs].tolist()
    moments = times.tolist()
    reasons = np.where(killed, int(RejectReason.KILL_SWITCH), NO_REASON).astype(np.int64)
    for index in np.flatnonzero(checked).tolist():
        price = prices[index]
        reason = pretrade.check(moments[index], names[index], recorder.symbols[symbols[index]],
                                Side(sides[index]), None if price == NULL else price,
                                qtys[index])
        if reason is not None:
            reasons[index] = int(reason)
    return reasons
