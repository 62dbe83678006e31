"""The agent desk end to end: roles and menus, a walk-in customer's cash-out, the queue,
look-ups, alerts to the operations chat, summaries and the CSV export, the audit log."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import Sandbox
from tests.e2e.flows import TRON_WALLET, failing_lightning_cashout, full_cashout, to_recipient
from tests.e2e.harness import Harness, bot_world, running_bot

ADMIN, AGENT, OTHER_AGENT, CUSTOMER, OPS_CHAT = 9100, 9200, 9300, 9400, -100500


@pytest.fixture
async def desk(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Harness]:
    async with bot_world(
        sandbox, tmp_path, live=True, extra_env={"ADMIN_IDS": str(ADMIN), "OPS_CHAT_ID": str(OPS_CHAT)}
    ) as harness:
        yield harness


async def add_agent(desk: Harness, agent: int) -> None:
    admin = desk.user(ADMIN)
    await admin.send("/agents")
    await admin.press("Add agent")
    await admin.send(str(agent))
    assert f"{agent} is now an agent" in admin.last_text


async def walk_in_cashout(desk: Harness, agent_id: int, phone: str = "0700000001") -> str:
    agent = desk.user(agent_id)
    await to_recipient(agent, start="/forcustomer")
    assert not any("Saved" in b for b in agent.buttons(agent.last_with_buttons()))
    await agent.press("Mobile money")
    assert "customer's mobile money number" in agent.last_text
    await agent.send(phone)
    if "full name" in agent.last_text:
        await agent.send("Jane Doe")
    else:
        assert "registered for this number: <b>Jane M. D.</b>" in agent.last_text
        await agent.press("Yes")
    await agent.send(TRON_WALLET)
    await agent.press("Confirm")
    deposit = next(m.text for m in reversed(agent.chat) if m.text and "Reference:" in m.text)
    return deposit.split("Reference: <code>")[1].split("</code>")[0]


async def test_an_admin_adds_an_agent_who_gets_the_agent_menu_and_roles_survive_a_restart(desk: Harness) -> None:
    assert "agents" in desk.telegram.menu(ADMIN)
    assert "queue" not in desk.telegram.menu(AGENT)
    await add_agent(desk, AGENT)
    assert "queue" in desk.telegram.menu(AGENT) and "agents" not in desk.telegram.menu(AGENT)
    async with running_bot(desk.sandbox, desk.db_path, desk.telegram, desk.telegram_url, desk.clock,
                           extra_env={"ADMIN_IDS": str(ADMIN)}) as restarted:  # fmt: skip
        agent = restarted.user(AGENT)
        await agent.send("/queue")
        assert "queue is empty" in agent.last_text
    admin = desk.user(ADMIN)
    await admin.send("/agents")
    await admin.press(f"Remove {AGENT}")
    assert "no longer an agent" in admin.last_text
    assert "queue" not in desk.telegram.menu(AGENT)
    await desk.user(AGENT).send("/queue")
    assert "This command is for agents" in desk.user(AGENT).last_text
    await admin.send("/audit")
    assert "agent_added" in admin.last_text and "agent_removed" in admin.last_text


async def test_customers_cannot_use_agent_or_admin_commands(desk: Harness) -> None:
    customer = desk.user(CUSTOMER)
    for command, role in [("/queue", "agents"), ("/find x", "agents"), ("/summary", "agents"), ("/export", "agents"),
                          ("/forcustomer", "agents"), ("/agents", "admins"), ("/audit", "admins")]:  # fmt: skip
        await customer.send(command)
        assert f"This command is for {role}" in customer.last_text, command
    await customer.press_data("a:rm:1", customer.chat[-1])
    assert "for admins" in customer.last_text


async def test_a_walk_in_cash_out_its_queue_lookups_alerts_and_terminal_state(desk: Harness) -> None:
    await add_agent(desk, AGENT)
    await add_agent(desk, OTHER_AGENT)
    reference = await walk_in_cashout(desk, AGENT)
    agent = desk.user(AGENT)
    assert any("customer_link" not in (m.text or "") and "?start=v_" in (m.text or "") for m in agent.chat)
    [offramp] = await desk.services.storage.offramps.find(reference, agent_id=AGENT)
    assert offramp.agent_id == AGENT
    await agent.send("/queue")
    assert any(reference in b for b in agent.buttons(agent.last_with_buttons()))
    await agent.send("/find +254700000001")
    assert any(reference in b for b in agent.buttons(agent.last_with_buttons()))
    other = desk.user(OTHER_AGENT)
    await other.send(f"/find {reference}")
    assert "Nothing found" in other.last_text
    await other.press_data(f"t:open:{reference}", agent.chat[-1])
    assert desk.telegram.answered_callbacks[-1]["text"] == "This transaction is not yours."
    customer = desk.user(CUSTOMER)
    await customer.press_data(f"t:open:{reference}", agent.chat[-1])
    assert desk.telegram.answered_callbacks[-1]["text"] == "This transaction is not yours."
    admin = desk.user(ADMIN)
    await admin.send(f"/find {reference}")
    await admin.press(reference)
    assert "Timeline" in admin.last_text
    link = next(m.text for m in agent.chat if m.text and "?start=v_" in m.text).split("?start=")[1].split()[0]
    await customer.send(f"/start {link}")
    assert reference in customer.last_text and "shared with you" in customer.last_text
    await customer.send(f"/start {link[:-1]}x")
    assert customer.last_text == "I do not know this transaction."
    await desk.sandbox.deposit(reference)
    await desk.sandbox.run_until_settled(reference)
    await desk.notified(AGENT, "Delivered!")


async def test_failures_alert_the_ops_chat_and_agents_act_for_the_customer(desk: Harness) -> None:
    await add_agent(desk, AGENT)
    reference = await walk_in_cashout(desk, AGENT, phone="0700000010")
    await desk.sandbox.control.post(f"/sandbox/offramps/{reference}/refund-failures", json={"count": 5})
    await desk.sandbox.deposit(reference)
    await desk.sandbox.run_until_settled(reference)
    [alert] = await desk.notified(OPS_CHAT, "Payout failed")
    assert reference in (alert.text or "") and "Insufficient funds" in (alert.text or "")
    [refund_alert] = await desk.notified(OPS_CHAT, "Refund failed")
    assert any("Retry refund" in b for b in desk.user(ADMIN).buttons(refund_alert))
    agent = desk.user(AGENT)
    await agent.send("/queue")
    # notifications keep arriving in this chat, so find the queue message itself
    queue_message = next(m for m in reversed(agent.chat) if m.text and "Your open cash-outs" in m.text)
    assert any(reference in b for b in agent.buttons(queue_message))
    await agent.press_data(
        f"t:open:{reference}", queue_message
    )  # opening it (the message is edited) offers the actions
    assert "Timeline" in (queue_message.text or "")
    assert any("Retry refund" in b for b in agent.buttons(queue_message))
    await agent.press_data(f"r:retry:{reference}", refund_alert)  # pressed in the operations chat
    assert "being retried" in (desk.telegram.chat(OPS_CHAT)[-1].text or "")
    await desk.sandbox.run_until_settled(reference)
    await desk.notified(AGENT, "Refunded")
    admin = desk.user(ADMIN)
    await admin.send("/audit")
    assert "retry_refund" in admin.last_text and "cashout_for_customer" in admin.last_text


async def test_summary_and_csv_export_match_the_database(desk: Harness) -> None:
    await add_agent(desk, AGENT)
    first = await walk_in_cashout(desk, AGENT)
    second = await walk_in_cashout(desk, AGENT)
    await desk.sandbox.deposit(first)
    await desk.sandbox.run_until_settled(first)
    await desk.notified(AGENT, "Delivered!")
    agent = desk.user(AGENT)
    await agent.send("/summary")
    assert "Today</b>: 2 cash-outs" in agent.last_text
    assert "Paid out: 1,269 KES (fees: 26 KES)" in agent.last_text
    await agent.send("/export today")
    document = next(m for m in reversed(agent.chat) if m.document is not None)
    rows = list(csv.DictReader(io.StringIO(document.document.decode())))  # type: ignore[union-attr]
    assert {r["reference_id"] for r in rows} == {first, second}
    stored = {o.reference_id: o for o in await desk.services.storage.offramps.find(first, agent_id=AGENT)}
    row = next(r for r in rows if r["reference_id"] == first)
    assert row["status"] == stored[first].status == "SUCCESSFUL"
    assert row["fiat_transaction_amount"] == str(stored[first].fiat_transaction_amount) == "1269"
    assert "2 rows" in (document.caption or "")
    admin = desk.user(ADMIN)
    await admin.send("/summary")
    assert "all agents" in admin.last_text and f"Agent {AGENT}" in admin.last_text
    customer = desk.user(CUSTOMER)
    await full_cashout(customer)
    await customer.send("/export")
    assert "for agents" in customer.last_text


async def test_a_walk_in_flow_refuses_the_contact_button(desk: Harness) -> None:
    await add_agent(desk, AGENT)
    agent = desk.user(AGENT)
    await to_recipient(agent, start="/forcustomer")
    await agent.press("Mobile money")
    await agent.share_contact("+254700000001")
    assert "I did not understand" in agent.last_text and "customer's mobile money number" in agent.last_text


async def test_a_low_payout_balance_alerts_the_ops_chat_once(sandbox: Sandbox, tmp_path: Path) -> None:
    from bot.workers.balance_watch import BalanceWatch

    env = {"ADMIN_IDS": str(ADMIN), "OPS_CHAT_ID": str(OPS_CHAT), "LOW_BALANCE_KES": "500000"}
    async with bot_world(sandbox, tmp_path, live=True, extra_env=env) as desk:
        assert desk.sender is not None
        watch = BalanceWatch(desk.services, on_alert=desk.sender.wake)
        assert await watch.check_once() == []  # 100,000,000 KES: fine
        await sandbox.control.post("/sandbox/wallets", json={"currency": "KES", "balance": "120000"})
        assert await watch.check_once() == ["KES"]
        assert await watch.check_once() == []  # not again while it stays low
        [alert] = await desk.notified(OPS_CHAT, "Low payout balance")
        assert "(KES): 120,000 KES is below the alert level of 500,000 KES" in (alert.text or "")
        await sandbox.control.post("/sandbox/wallets", json={"currency": "KES", "balance": "900000"})
        assert await watch.check_once() == []
        await sandbox.control.post("/sandbox/wallets", json={"currency": "KES", "balance": "1000"})
        assert await watch.check_once() == ["KES"]  # re-armed after recovering


async def test_an_agent_submits_a_lightning_refund_invoice_for_the_customer(desk: Harness) -> None:
    from kotani_sandbox.lightning import make_invoice

    await add_agent(desk, AGENT)
    agent = desk.user(AGENT)
    await failing_lightning_cashout(agent, phone="0700000011", start="/forcustomer")
    [offramp] = await desk.services.storage.offramps.open_for_agent(AGENT)
    await desk.sandbox.deposit(offramp.reference_id)
    await desk.sandbox.run_until_settled(offramp.reference_id)
    await desk.notified(OPS_CHAT, "Lightning refund invoice awaited")
    await desk.notified(AGENT, "Lightning refunds need an invoice")
    await agent.press("Send refund invoice")
    now = int(desk.sandbox.clock.now())
    await agent.send(make_invoice(1_500_000, network="bc", created_at=now, expiry=3600, description="customer refund"))
    assert "Invoice accepted" in agent.last_text
    await desk.sandbox.run_until_settled(offramp.reference_id)
    await desk.notified(AGENT, "Refunded")
    await desk.user(ADMIN).send("/audit")
    assert "submit_refund_invoice" in desk.user(ADMIN).last_text


async def test_a_customer_view_link_expires_after_30_days_and_an_agent_can_revoke_it(desk: Harness) -> None:
    await add_agent(desk, AGENT)
    await add_agent(desk, OTHER_AGENT)
    agent, customer = desk.user(AGENT), desk.user(CUSTOMER)
    first = await walk_in_cashout(desk, AGENT)
    first_link = next(m.text for m in agent.chat if m.text and "?start=v_" in m.text).split("?start=")[1].split()[0]
    second = await walk_in_cashout(desk, AGENT)
    second_link = next(
        m.text for m in reversed(agent.chat) if m.text and "?start=v_" in m.text
    ).split("?start=")[1].split()[0]  # fmt: skip
    await customer.send(f"/start {first_link}")
    assert first in customer.last_text and "shared with you" in customer.last_text
    await desk.user(OTHER_AGENT).send(f"/revokelink {first}")  # not theirs: nothing learnt, nothing done
    assert "no cash-out of yours" in desk.user(OTHER_AGENT).last_text
    await customer.send(f"/revokelink {first}")
    assert "This command is for agents" in customer.last_text
    await agent.send("/revokelink")
    assert "/revokelink tg-123-abcd" in agent.last_text  # how to use it
    await agent.send(f"/revokelink {first}")
    assert f"customer link of <b>{first}</b> no longer works" in agent.last_text
    await customer.send(f"/start {first_link}")
    assert "withdrawn by the agent" in customer.last_text and first not in customer.last_text
    await agent.send("/queue")  # the serving agent's card offers the same as a button
    await agent.press(second)
    await agent.press("Revoke customer link")
    assert f"customer link of <b>{second}</b> no longer works" in agent.last_text
    async with running_bot(desk.sandbox, desk.db_path, desk.telegram, desk.telegram_url, desk.clock,
                           extra_env={"ADMIN_IDS": str(ADMIN)}) as restarted:  # fmt: skip
        await restarted.user(CUSTOMER).send(f"/start {second_link}")
        assert "withdrawn by the agent" in restarted.user(CUSTOMER).last_text  # revocation survives a restart
    admin = desk.user(ADMIN)
    await admin.send("/audit")
    assert "link_revoked" in admin.last_text
    third = await walk_in_cashout(desk, AGENT)
    third_link = next(
        m.text for m in reversed(agent.chat) if m.text and "?start=v_" in m.text
    ).split("?start=")[1].split()[0]  # fmt: skip
    desk.clock.advance(29 * 86400)
    await customer.send(f"/start {third_link}")
    assert third in customer.last_text
    desk.clock.advance(1 * 86400 + 1)
    await customer.send(f"/start {third_link}")
    assert "link has expired" in customer.last_text and "30 days" in customer.last_text
    assert third not in customer.last_text
