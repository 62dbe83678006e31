"""The sandbox's HTTP face: Kotani's v3 API (spec §5) plus a control API for tests and demos.

Every API request passes, in Kotani's order: Bearer auth (§11 #1), secure-mode signature
(#2), rate limit (#3), DTO validation (#4), then the business rules in the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
import phonenumbers
from phonenumbers import carrier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kotani.jsonjs import js_dumps, loads_exact
from kotani.networks import network_of_carrier
from kotani.redact import mask_numbers_in
from kotani.signing import hmac_hex, request_message, reserialised_body
from kotani_sandbox import validation
from kotani_sandbox.clock import SandboxClock
from kotani_sandbox.config import DEFAULT_BANKS, SandboxConfig
from kotani_sandbox.engine import OfframpRecord, SandboxEngine, SandboxError
from kotani_sandbox.ratelimit import RateLimiter
from kotani_sandbox.scenarios import LookupOutcome, bank_lookup, mobile_lookup, shortcode_lookup

logger = logging.getLogger("kotani_sandbox")

Handler = Callable[[Request, Any], Awaitable[Response]]


class JSResponse(JSONResponse):
    """JSON as Node writes it (numbers formatted by ``JSON.stringify``)."""

    def render(self, content: Any) -> bytes:
        return js_dumps(content)


def ok(message: str, data: Any, status: int = 200) -> Response:
    return JSResponse({"success": True, "message": message, "data": data}, status_code=status)


def fail(status: int, message: str, data: dict[str, Any] | None = None) -> Response:
    return JSResponse(
        {"success": False, "message": message, "error_code": status, "data": data or {}}, status_code=status
    )


def _money_endpoint(method: str, path: str) -> bool:
    return method == "POST" and (
        path == "/api/v3/offramp"
        or "/retry-refund" in path
        or "/submit-refund-invoice/" in path
        or "/retry-all-failed-refunds" in path
        or path.startswith("/api/v3/wallet/transfer")
    )


class SandboxApp:
    def __init__(
        self,
        config: SandboxConfig,
        clock: SandboxClock,
        *,
        autorun: bool,
        tick: float = 0.2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.engine = SandboxEngine(config, clock, transport=transport)
        self.limiter = RateLimiter(config.rate_limits, clock.now)
        self._nonces: dict[str, float] = {}
        self._autorun = autorun
        self._tick = tick

    # --- guards -----------------------------------------------------------------------

    def _authenticate(self, request: Request, raw: bytes) -> tuple[str | None, Response | None]:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            return None, fail(401, "Unauthorized")
        token = header[7:].strip()
        if not any(hmac.compare_digest(token.encode(), key.encode()) for key in self.config.api_keys):
            return None, fail(401, "Invalid API Key")
        if self.config.api_secret and not self._signature_ok(request, raw):
            return None, fail(401, "Invalid request signature")
        return token, None

    def _signature_ok(self, request: Request, raw: bytes) -> bool:
        assert self.config.api_secret is not None
        timestamp = request.headers.get("x-timestamp", "")
        nonce = request.headers.get("x-nonce", "")
        signature = request.headers.get("x-signature", "")
        if not (timestamp.isdigit() and nonce and signature):
            return False
        now = self.clock.now()
        if abs(now - int(timestamp)) > self.config.signature_window:
            return False
        self._nonces = {n: at for n, at in self._nonces.items() if now - at < self.config.nonce_ttl}
        if nonce in self._nonces:
            return False
        try:
            body = reserialised_body(raw) if request.method in ("POST", "PUT", "PATCH") else None
        except ValueError:
            return False
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        expected = hmac_hex(self.config.api_secret, request_message(request.method, path, body, timestamp, nonce))
        if not hmac.compare_digest(expected, signature.lower()):
            return False
        self._nonces[nonce] = now
        return True

    def api(self, handler: Handler, *, public: bool = False) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            if self.config.response_delay > 0:  # a realistic network and Kotani round trip, for benchmarks
                await asyncio.sleep(self.config.response_delay)
            key = "public"
            if not public:
                token, refusal = self._authenticate(request, raw)
                if refusal is not None:
                    return refusal
                assert token is not None
                key = token
            kind = "money" if _money_endpoint(request.method, request.url.path) else "read"
            wait = self.limiter.check(key, f"{request.method} {handler.__name__}", kind)
            if wait is not None:
                return JSResponse(
                    {
                        "statusCode": 429,
                        "message": f"Too many requests. Please retry after {int(wait)} seconds.",
                        "error": "Too Many Requests",
                        "data": {"retryAfter": int(wait)},
                    },
                    status_code=429,
                    headers={"Retry-After": str(int(wait))},
                )
            body: Any = None
            if request.method in ("POST", "PATCH", "PUT") and raw.strip():
                try:
                    body = loads_exact(raw)
                except ValueError:
                    return fail(400, "Bad Request", {"errors": ["body must be valid JSON"]})
            try:
                response = await handler(request, body)
            except SandboxError as exc:
                return fail(exc.status, exc.message, exc.data)
            await self.engine.deliverer.flush()
            return response

        return endpoint

    # --- rates ------------------------------------------------------------------------

    async def quote(self, request: Request, body: Any) -> Response:
        body = body if isinstance(body, dict) else {}
        errors = validation.validate_quote(body)
        if errors:
            raise _invalid(errors)
        amount = Decimal(str(body["cryptoAmount"]))
        record = self.engine.quote(body["from"], str(body["to"]).upper(), amount, body.get("source", "crypto"))
        return ok("Available exchange rate.", self.engine.quote_to_api(record))

    async def rate(self, request: Request, body: Any) -> Response:
        source, target = request.path_params["source"].upper(), request.path_params["target"].upper()
        try:
            value = self.engine._rate(source, target)
        except SandboxError:
            raise SandboxError(404, "Exchange rate not found") from None
        return ok("Available exchange rate.", {"from": source, "to": target, "value": format(value.normalize(), "f")})

    async def rates(self, request: Request, body: Any) -> Response:
        items = []
        for corridor in self.config.corridors:
            for token in ("USDT", "USDC", "CUSD"):
                value = self.engine._rate(token, corridor.currency)
                items.append({"from": token, "to": corridor.currency, "value": format(value.normalize(), "f")})
        return ok("Available exchange rates.", items)

    # --- customers --------------------------------------------------------------------

    async def create_customer(self, request: Request, body: Any) -> Response:
        body = body if isinstance(body, dict) else {}
        errors = validation.validate_customer(body)
        if errors:
            raise _invalid(errors)
        customer = self.engine.create_customer(body)
        return ok("Customer has been successfully created.", customer.to_api(self.config.integrator_id))

    async def list_customers(self, request: Request, body: Any) -> Response:
        try:
            page = int(request.query_params["page"])
            limit = int(request.query_params["limit"])
        except (KeyError, ValueError):
            raise SandboxError(400, "Bad Request", {"errors": ["page and limit are required numbers"]}) from None
        customers = list(self.engine.customers.values())[(page - 1) * limit : page * limit]
        return ok("Customers successfully retrieved.", [c.to_api(self.config.integrator_id) for c in customers])

    async def customer_by_phone(self, request: Request, body: Any) -> Response:
        customer = self.engine.customer_by_phone(request.path_params["phone"])
        return ok("Customer fetched successfully.", customer.to_api(self.config.integrator_id))

    async def customer_by_key(self, request: Request, body: Any) -> Response:
        customer = self.engine.customers.get(request.path_params["key"])
        if customer is None:
            raise SandboxError(404, "Customer not found.")
        return ok("Customer fetched successfully.", customer.to_api(self.config.integrator_id))

    async def _lookup_delay(self, outcome: LookupOutcome) -> None:
        if outcome.status == "TIMEOUT" and self.config.lookup_timeout_delay > 0:
            await asyncio.sleep(self.config.lookup_timeout_delay)

    def _lookup_fields(self, outcome: LookupOutcome, expected: str | None) -> dict[str, Any]:
        if not self.config.name_lookup_enabled:
            return {"nameLookupStatus": "NOT_ENABLED"}
        fields: dict[str, Any] = {"nameLookupStatus": outcome.status}
        if outcome.reason:
            fields["nameLookupReason"] = outcome.reason
        if outcome.name:
            shown = (
                " ".join(p[:1] + "*" * (len(p) - 1) for p in outcome.name.split()) if outcome.masked else outcome.name
            )
            fields["accountName"] = shown
            fields["matchScore"] = 100
        if outcome.account_status:
            fields["accountStatus"] = outcome.account_status
        if expected and outcome.name:
            score = _name_score(expected, outcome.name)
            fields["nameMatch"] = {
                "provided": expected,
                "score": score,
                "matched": score >= 80,
                "threshold": 80,
                "masked": outcome.masked,
            }
        return fields

    async def validate_mobile_money(self, request: Request, body: Any) -> Response:
        body = body if isinstance(body, dict) else {}
        errors = validation.validate_mobile_money_check(body)
        if errors:
            raise _invalid(errors)
        kind = body.get("accountType", "mobile_money")
        if kind != "mobile_money":
            outcome = shortcode_lookup(str(body["shortCode"]))
            await self._lookup_delay(outcome)
            data: dict[str, Any] = {
                "isValid": outcome.usable and str(body["shortCode"]).isdigit(),
                "isSupported": str(body.get("countryCode", "KE")).upper() == "KE",
                "requiresInternationalization": False,
                "countryCode": "KE",
                "countryName": "Kenya",
                "accountType": kind,
                "currency": "KES",
                "network": "MPESA",
                "mno": "SAFARICOM KENYA",
            }
            data.update(self._lookup_fields(outcome, body.get("accountName")))
            return ok("Account validated successfully.", data)
        return ok("Phone number validated successfully.", await self._validate_phone(body))

    async def _validate_phone(self, body: dict[str, Any]) -> dict[str, Any]:
        text = str(body["phoneNumber"])
        base: dict[str, Any] = {"accountType": "mobile_money", "isSupported": False, "isValid": False}
        try:
            number = phonenumbers.parse(text, None if text.startswith("+") else "KE")
        except phonenumbers.NumberParseException:
            return {**base, "message": "The phone number could not be parsed", "requiresInternationalization": True}
        region = phonenumbers.region_code_for_number(number) or ""
        corridor = self.config.corridor_for_country(region) if region else None
        valid = phonenumbers.is_valid_number(number)
        data: dict[str, Any] = {
            **base,
            "isValid": valid,
            "isSupported": corridor is not None and not corridor.bank_only,
            "requiresInternationalization": not text.startswith("+"),
            "countryCode": region,
            "countryName": corridor.name if corridor else region,
            "callingCode": f"+{number.country_code}",
            "internationalNumber": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            "nationalNumber": "0" + str(number.national_number),
            "currency": corridor.currency if corridor else None,
        }
        mno = carrier.name_for_number(number, "en")
        if mno:
            data["mno"] = mno.upper()
        network = body.get("network") or network_of_carrier(mno, corridor.networks if corridor else ())
        if network:
            data["network"] = network
        if not valid:
            data["message"] = "The phone number is not valid"
            return {k: v for k, v in data.items() if v is not None}
        outcome = mobile_lookup(data["internationalNumber"])
        await self._lookup_delay(outcome)
        data.update(self._lookup_fields(outcome, body.get("accountName")))
        if self.config.name_lookup_enabled and not outcome.usable:
            data["isValid"] = False
            data["message"] = outcome.reason
        return {k: v for k, v in data.items() if v is not None}

    async def validate_bank(self, request: Request, body: Any) -> Response:
        body = body if isinstance(body, dict) else {}
        errors = validation.validate_bank_check(body)
        if errors:
            raise _invalid(errors)
        corridor = self.config.corridor_for_country(str(body["countryCode"]))
        outcome = bank_lookup(str(body["accountNumber"]))
        await self._lookup_delay(outcome)
        banks = DEFAULT_BANKS.get(corridor.currency if corridor else "", ())
        code = str(body["bankCode"])
        bank = next((name for c, name in banks if str(c) == code or name.lower() == code.lower()), None)
        data: dict[str, Any] = {
            "isValid": bank is not None and str(body["accountNumber"]).isdigit(),
            "isSupported": corridor is not None,
            "accountType": "bank",
            "countryCode": corridor.country if corridor else str(body["countryCode"]),
            "currency": corridor.currency if corridor else None,
        }
        if bank:
            data["bankName"] = bank
        else:
            data["message"] = "Unknown bank code"
        data.update(self._lookup_fields(outcome, body.get("accountName")))
        if self.config.name_lookup_enabled and not outcome.usable:
            data["isValid"] = False
            data["message"] = outcome.reason or f"Account is {outcome.account_status}"
        return ok("Bank account validated successfully.", {k: v for k, v in data.items() if v is not None})

    # --- corridors --------------------------------------------------------------------

    def _country(self, corridor: Any, service: str) -> dict[str, Any]:
        return {
            "countryCode": corridor.country,
            "name": corridor.name,
            "iso3Code": corridor.iso3,
            "currency": corridor.currency,
            "serviceType": service,
            "isActive": True,
            "isEnabled": corridor.withdraw_enabled if service == "WITHDRAW" else True,
            "requiresNetwork": corridor.requires_network,
            "requiresAccountName": True,
            "supportedNetworks": list(corridor.networks),
            "availableNetworks": list(corridor.networks),
            "supportedLookupNetworks": list(corridor.networks),
            "enabledLookup": self.config.name_lookup_enabled,
        }

    async def countries(self, request: Request, body: Any) -> Response:
        service = request.query_params.get("serviceType", "WITHDRAW").upper()
        if service not in ("DEPOSIT", "CARD_DEPOSIT", "WITHDRAW", "DETAILS", "NAME_LOOKUP"):
            raise SandboxError(400, "Invalid query parameters")
        currency = request.query_params.get("currency")
        items = [
            self._country(c, service)
            for c in self.config.corridors
            if currency is None or c.currency == currency.upper()
        ]
        return ok("Countries retrieved successfully", items)

    async def country(self, request: Request, body: Any) -> Response:
        corridor = self.config.corridor_for_country(request.path_params["cc"])
        if corridor is None:
            raise SandboxError(404, "Country not found")
        return ok("Country details retrieved successfully", self._country(corridor, "WITHDRAW"))

    async def networks(self, request: Request, body: Any) -> Response:
        corridor = self.config.corridor_for_country(request.path_params["cc"])
        if corridor is None:
            raise SandboxError(404, "Country not found")
        return ok(
            "Networks retrieved successfully",
            {
                "countryCode": corridor.country,
                "networks": list(corridor.networks),
                "isRequired": corridor.requires_network,
            },
        )

    async def banks(self, request: Request, body: Any) -> Response:
        currency = request.query_params.get("currency")
        search = (request.query_params.get("search") or "").lower()
        items = [
            {"code": code, "name": name, "currency": cur}
            for cur, banks in DEFAULT_BANKS.items()
            for code, name in banks
            if (currency is None or cur == currency.upper()) and search in name.lower()
        ]
        return ok("Banks retrieved successfully", items)

    async def withdraw_service(self, request: Request, body: Any) -> Response:
        countries = [c.country for c in self.config.corridors if c.withdraw_enabled]
        return ok(
            "Withdraw configuration retrieved successfully",
            {"serviceType": "WITHDRAW", "countries": countries, "totalCountries": len(countries)},
        )

    # --- wallets ----------------------------------------------------------------------

    async def wallets(self, request: Request, body: Any) -> Response:
        items = [w.to_api(self.config.integrator_id) for w in self.engine.wallets.values()]
        return ok("Fiat wallet has been successfully retrieved.", items)

    async def wallet(self, request: Request, body: Any) -> Response:
        wallet = next((w for w in self.engine.wallets.values() if w.id == request.path_params["id"]), None)
        if wallet is None:
            raise SandboxError(404, "Wallet Not Found")
        return ok("The wallet has been successfully retrieved.", wallet.to_api(self.config.integrator_id))

    async def wallet_by_currency(self, request: Request, body: Any) -> Response:
        wallet = self.engine.wallets.get(request.path_params["currency"].upper())
        country = request.query_params.get("country")
        if wallet is None or (country and country.upper() not in (wallet.country, self._iso3(wallet.country))):
            raise SandboxError(404, "Wallet Not Found")
        return ok("The wallet has been successfully retrieved.", wallet.to_api(self.config.integrator_id))

    def _iso3(self, country: str) -> str:
        corridor = self.config.corridor_for_country(country)
        return corridor.iso3 if corridor else country

    async def transfer_deposit_balance(self, request: Request, body: Any) -> Response:
        body = body if isinstance(body, dict) else {}
        wallet = next((w for w in self.engine.wallets.values() if w.id == body.get("walletId")), None)
        if wallet is None:
            raise SandboxError(404, "Wallet Not Found")
        amount = body.get("amount", wallet.deposit_balance)
        if not validation.is_positive_number(amount) or Decimal(str(amount)) > wallet.deposit_balance:
            raise SandboxError(400, "Amount exceeds the deposit balance")
        wallet.deposit_balance -= Decimal(str(amount))
        wallet.balance += Decimal(str(amount))
        return ok("Deposit balance transferred.", wallet.to_api(self.config.integrator_id))

    # --- offramps ---------------------------------------------------------------------

    async def create_offramp(self, request: Request, body: Any) -> Response:
        if not isinstance(body, dict):
            raise _invalid(["body must be a JSON object"])
        errors = validation.validate_offramp(body)
        if errors:
            raise _invalid(errors)
        record = self.engine.create_offramp(body)
        logger.info(
            "offramp %s created (%s %s on %s)", record.reference_id, record.crypto_amount, record.token, record.chain
        )
        return ok("Offramp has been successfully created", self.engine.offramp_to_api(record))

    async def get_offramp(self, request: Request, body: Any) -> Response:
        record = self.engine.get(request.path_params["ref"])
        return ok("Offramp status retrieved", self.engine.offramp_to_api(record))

    async def list_offramps(self, request: Request, body: Any) -> Response:
        try:
            page = max(1, int(request.query_params.get("page", 1)))
            per_page = min(100, max(1, int(request.query_params.get("per_page", 20))))
        except ValueError:
            raise SandboxError(400, "Invalid query parameters") from None
        status = request.query_params.get("status")
        records = [
            r for r in sorted(self.engine.offramps.values(), key=lambda r: r.created_at, reverse=True)
            if status is None or r.status == status.upper()
        ]  # fmt: skip
        chunk = records[(page - 1) * per_page : page * per_page]
        return JSResponse(
            {
                "success": True,
                "message": "Offramp transactions retrieved",
                "data": [self.engine.offramp_to_api(r) for r in chunk],
                "meta": {
                    "total": len(records),
                    "page": page,
                    "per_page": per_page,
                    "total_pages": max(1, -(-len(records) // per_page)),
                },
            }
        )

    async def cancel(self, request: Request, body: Any) -> Response:
        record = self.engine.cancel(request.path_params["ref"])
        return ok("Offramp transaction cancelled", self.engine.offramp_to_api(record))

    async def refund_status(self, request: Request, body: Any) -> Response:
        record = self.engine.get(request.path_params["ref"])
        return ok("Refund status retrieved", self.engine.refund_to_api(record))

    async def retry_refund(self, request: Request, body: Any) -> Response:
        record = self.engine.retry_refund(request.path_params["ref"])
        return ok(
            "Refund retry initiated",
            {
                "referenceId": record.reference_id,
                "refundStatus": record.refund_status,
                "retryCount": record.manual_retries,
            },
        )

    async def retry_refunds(self, request: Request, body: Any) -> Response:
        if request.url.path.endswith("retry-refunds-multiple"):
            refs = body.get("referenceIds") if isinstance(body, dict) else None
            if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
                raise SandboxError(400, "Invalid request")
        else:
            refs = [r.reference_id for r in self.engine.offramps.values() if r.refund_status == "FAILED"]
        retried, skipped = [], []
        for ref in refs:
            try:
                self.engine.retry_refund(ref)
                retried.append(ref)
            except SandboxError as exc:
                skipped.append({"referenceId": ref, "reason": exc.message})
        return ok("Refund retry initiated", {"retried": retried, "skipped": skipped})

    async def submit_invoice(self, request: Request, body: Any) -> Response:
        invoice = body.get("invoice") if isinstance(body, dict) else None
        record = self.engine.submit_invoice(request.path_params["ref"], invoice)
        return ok("Refund invoice accepted", {"referenceId": record.reference_id, "refundStatus": record.refund_status})

    # --- integrator -------------------------------------------------------------------

    async def integrator(self, request: Request, body: Any) -> Response:
        return ok("The record has been successfully retrieved.", self.engine.integrator)

    async def update_webhook(self, request: Request, body: Any) -> Response:
        body = body if isinstance(body, dict) else {}
        if "webhook_url" in body:
            if not validation.is_url(body["webhook_url"]):
                raise _invalid(["webhook_url must be a URL address"])
            self.config.webhook_url = body["webhook_url"]
            self.engine.integrator["webhook_url"] = body["webhook_url"]
        if "webhook_secret" in body:
            self.config.webhook_secret = body["webhook_secret"] or None
        if "webhook_events" in body:
            self.engine.integrator["webhook_events"] = list(body["webhook_events"] or [])
        return ok("Integrator webhook settings updated successfully.", self.engine.integrator)

    async def health(self, request: Request) -> Response:
        return JSResponse(
            {
                "status": "ok",
                "info": {"database": {"status": "up"}},
                "error": {},
                "details": {"database": {"status": "up"}},
            }
        )

    # --- control API ------------------------------------------------------------------

    def control(self, fixed_action: str | None = None) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await self._control_endpoint(request, fixed_action or request.path_params.get("action", ""))

        return endpoint

    async def _control_endpoint(self, request: Request, action: str) -> Response:
        raw = await request.body()
        try:
            body = loads_exact(raw) if raw.strip() else {}
        except ValueError:
            return JSResponse({"error": "body must be JSON"}, status_code=400)
        ref = request.path_params.get("ref")
        try:
            result = await self._control(request.method, action, ref, body if isinstance(body, dict) else {})
        except SandboxError as exc:
            return JSResponse({"error": exc.message}, status_code=exc.status)
        await self.engine.deliverer.flush()
        return JSResponse(result)

    async def _control(self, method: str, action: str, ref: str | None, body: dict[str, Any]) -> Any:
        engine = self.engine
        if ref is not None:
            if action == "state":
                record = engine.get(ref)
                return {
                    "offramp": engine.offramp_to_api(record),
                    "refund": engine.refund_to_api(record),
                    "history": record.history,
                    "scheduled": engine.scheduled(ref),
                }
            if action == "deposit":
                amount = body.get("amount")
                record = engine.deposit(
                    ref,
                    Decimal(str(amount)) if amount is not None else None,
                    body.get("txHash"),
                    body.get("from"),
                )
                return {"offramp": engine.offramp_to_api(record), "scheduled": engine.scheduled(ref)}
            if action == "advance":
                engine.get(ref)
                step = await engine.run_next(ref)
                if step is None:
                    raise SandboxError(409, "Nothing is scheduled for this transaction")
                return {
                    "ran": step,
                    "offramp": engine.offramp_to_api(engine.get(ref)),
                    "scheduled": engine.scheduled(ref),
                }
            if action == "correct":
                record = engine.correct(ref, str(body.get("status", "SUCCESSFUL")).upper())
                return {"offramp": engine.offramp_to_api(record)}
            if action == "refund-failures":
                record = engine.get(ref)
                record.injected_refund_failures = int(body.get("count", 100))
                record.refund_failure_kind = str(body.get("kind", "other"))
                if record.refund_failure_kind not in ("gas", "timeout", "other"):
                    raise SandboxError(400, "kind must be gas, timeout or other")
                record.manual_intervention = bool(body.get("manualIntervention", False))
                return {"referenceId": ref, "failures": record.injected_refund_failures}
        if action == "webhooks":
            if method == "DELETE":
                engine.deliverer.log.clear()
                return {"deleted": True}
            return [delivery.public() for delivery in engine.deliverer.log]
        if action == "flush":
            return {"released": await engine.deliverer.release_held(str(body.get("order", "reverse")))}
        if action == "clock":
            ran = await engine.advance_clock(float(body.get("seconds", 0)))
            return {"now": self.clock.iso(), "ran": ran}
        if action == "run-due":
            return {"ran": await engine.run_due()}
        if action == "config":
            if method == "PATCH":
                self._patch_config(body)
            return self._config_view()
        if action == "suspend":
            engine.suspended[str(body["phoneNumber"])] = str(body.get("until", "2099-01-01T00:00:00Z"))
            return {"suspended": list(engine.suspended)}
        if action == "wallet":
            wallet = engine.wallets.get(str(body.get("currency", "")).upper())
            if wallet is None:
                raise SandboxError(404, "Wallet Not Found")
            if "balance" in body:
                wallet.balance = Decimal(str(body["balance"]))
            if "depositBalance" in body:
                wallet.deposit_balance = Decimal(str(body["depositBalance"]))
            return wallet.to_api(self.config.integrator_id)
        if action == "escrow-deposit":
            return self._escrow_deposit(body)
        raise SandboxError(404, "unknown control action")

    def _escrow_deposit(self, body: dict[str, Any]) -> dict[str, Any]:
        """Match a deposit by escrow address (and, in shared mode, by sender and exact amount).

        A pending offramp is matched first; failing that, a cancelled or expired one that never
        got its deposit, whose crypto the engine then refunds (crypto sent to an escrow arrives
        whatever the offramp's status, spec §11 #13).
        """
        address = str(body.get("address", ""))
        amount = Decimal(str(body["amount"])) if body.get("amount") is not None else None
        sender = body.get("from")
        candidates: list[OfframpRecord] = []
        for statuses in (("PENDING",), ("CANCELLED", "EXPIRED")):
            candidates = [
                r for r in self.engine.offramps.values()
                if r.escrow_address == address and r.status in statuses and not r.transaction_hash
            ]  # fmt: skip
            if self.config.shared_escrow:
                candidates = [
                    r for r in candidates
                    if r.sender_address == sender and (amount is None or r.crypto_amount == amount)
                ]  # fmt: skip
            if candidates:
                break
        if len(candidates) != 1:
            raise SandboxError(404, "No single pending transaction matches this deposit")
        record = self.engine.deposit(candidates[0].reference_id, amount, body.get("txHash"), sender)
        return {"offramp": self.engine.offramp_to_api(record)}

    _PATCHABLE = (
        "webhook_secret", "webhook_url", "deliver_webhooks", "duplicate_webhooks", "hold_webhooks",
        "status_vocabulary", "webhook_every_transition", "name_lookup_enabled", "amount_mismatch",
        "lightning_network", "shared_escrow", "api_secret", "confirmations_delay", "payout_start_delay",
        "payout_delay", "slow_payout_delay", "refund_delay", "refund_attempt_delay", "deposit_window",
        "quote_ttl", "lookup_timeout_delay", "public_base_url", "auto_deposit_after", "billing",
        "generate_invoice_timeout",
    )  # fmt: skip

    def _patch_config(self, body: dict[str, Any]) -> None:
        for key, value in body.items():
            if key == "fee_percent":
                self.config.fee_percent = Decimal(str(value))
            elif key == "rate_limits":
                self.config.rate_limits.update(
                    {
                        name: tuple((int(limit), float(window)) for limit, window in rules)
                        for name, rules in value.items()
                    }
                )
            elif key == "webhook_retry_delays":
                self.config.webhook_retry_delays = tuple(float(v) for v in value)
            elif key in self._PATCHABLE:
                setattr(self.config, key, float(value) if isinstance(value, Decimal) else value)
            else:
                raise SandboxError(400, f"unknown setting {key}")
        self.engine.integrator["webhook_url"] = self.config.webhook_url or ""

    def _config_view(self) -> dict[str, Any]:
        view = {
            key: getattr(self.config, key) for key in self._PATCHABLE if key not in ("webhook_secret", "api_secret")
        }
        view["signed_mode"] = self.config.signed_mode
        view["secure_mode"] = bool(self.config.api_secret)
        view["fee_percent"] = self.config.fee_percent
        view["now"] = self.clock.iso()
        return view

    # --- lifecycle --------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        ticker = asyncio.create_task(self._run_ticker()) if self._autorun else None
        try:
            yield
        finally:
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            await self.engine.aclose()

    async def _run_ticker(self) -> None:
        while True:
            await asyncio.sleep(self._tick)
            try:
                await self.engine.run_due()
            except Exception:  # a bad step must not stop the clock for every other offramp
                logger.exception("sandbox step failed")


def _invalid(errors: list[str]) -> SandboxError:
    errors = [mask_numbers_in(e) for e in errors]
    return SandboxError(400, "Validation failed: " + ", ".join(errors), {"errors": errors})


def _name_score(expected: str, actual: str) -> int:
    want = set(expected.upper().split())
    have = set(actual.upper().split())
    if not want:
        return 0
    return round(100 * len(want & have) / len(want))


def create_app(
    config: SandboxConfig | None = None,
    clock: SandboxClock | None = None,
    *,
    autorun: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Starlette:
    """The sandbox as an ASGI app; ``app.state.sandbox`` gives tests the engine and clock."""
    sandbox = SandboxApp(config or SandboxConfig(), clock or SandboxClock(), autorun=autorun, transport=transport)
    api = sandbox.api
    v3 = "/api/v3"
    routes = [
        Route("/health", sandbox.health, methods=["GET"]),
        Route(f"{v3}/public/rate/{{source}}/{{target}}", api(sandbox.rate, public=True), methods=["GET"]),
        Route(f"{v3}/public/rate", api(sandbox.rates, public=True), methods=["GET"]),
        Route(f"{v3}/rate/offramp", api(sandbox.quote), methods=["POST"]),
        Route(f"{v3}/rates/offramp-rate", api(sandbox.quote), methods=["POST"]),
        Route(f"{v3}/rate/{{source}}/{{target}}", api(sandbox.rate), methods=["GET"]),
        Route(f"{v3}/rate", api(sandbox.rates), methods=["GET"]),
        Route(f"{v3}/customer/mobile-money", api(sandbox.create_customer), methods=["POST"]),
        Route(f"{v3}/customer/mobile-money", api(sandbox.list_customers), methods=["GET"]),
        Route(f"{v3}/customer/mobile-money/phone/{{phone}}", api(sandbox.customer_by_phone), methods=["GET"]),
        Route(f"{v3}/customer/mobile-money/{{key}}", api(sandbox.customer_by_key), methods=["GET"]),
        Route(f"{v3}/customer/validate/mobile-money", api(sandbox.validate_mobile_money), methods=["POST"]),
        Route(f"{v3}/customer/validate/bank", api(sandbox.validate_bank), methods=["POST"]),
        Route(f"{v3}/customer/support/countries", api(sandbox.countries), methods=["GET"]),
        Route(f"{v3}/customer/support/countries/{{cc}}", api(sandbox.country), methods=["GET"]),
        Route(f"{v3}/customer/support/networks/{{cc}}", api(sandbox.networks), methods=["GET"]),
        Route(f"{v3}/customer/support/banks", api(sandbox.banks), methods=["GET"]),
        Route(f"{v3}/customer/support/services/withdraw", api(sandbox.withdraw_service), methods=["GET"]),
        Route(f"{v3}/wallet/fiat", api(sandbox.wallets), methods=["GET"]),
        Route(f"{v3}/wallet/fiat/currency/{{currency}}", api(sandbox.wallet_by_currency), methods=["GET"]),
        Route(f"{v3}/wallet/fiat/{{id}}", api(sandbox.wallet), methods=["GET"]),
        Route(f"{v3}/wallet/transfer/deposit-balance", api(sandbox.transfer_deposit_balance), methods=["POST"]),
        Route(f"{v3}/offramp", api(sandbox.create_offramp), methods=["POST"]),
        Route(f"{v3}/offramp/transactions", api(sandbox.list_offramps), methods=["GET"]),
        Route(f"{v3}/offramp/cancel/{{ref}}", api(sandbox.cancel), methods=["GET"]),
        Route(f"{v3}/offramp/refund-status/{{ref}}", api(sandbox.refund_status), methods=["GET"]),
        Route(f"{v3}/offramp/retry-refund/{{ref}}", api(sandbox.retry_refund), methods=["POST"]),
        Route(f"{v3}/offramp/retry-refunds-multiple", api(sandbox.retry_refunds), methods=["POST"]),
        Route(f"{v3}/offramp/retry-all-failed-refunds", api(sandbox.retry_refunds), methods=["POST"]),
        Route(f"{v3}/offramp/submit-refund-invoice/{{ref}}", api(sandbox.submit_invoice), methods=["POST"]),
        Route(f"{v3}/offramp/{{ref}}", api(sandbox.get_offramp), methods=["GET"]),
        Route(f"{v3}/integrator", api(sandbox.integrator), methods=["GET"]),
        Route(f"{v3}/integrator/webhook", api(sandbox.update_webhook), methods=["PATCH"]),
        # control API (tests and demos; not part of Kotani)
        Route("/sandbox/offramps/{ref}", sandbox.control("state"), methods=["GET"]),
        Route("/sandbox/offramps/{ref}/{action}", sandbox.control(), methods=["POST"]),
        Route("/sandbox/webhooks", sandbox.control("webhooks"), methods=["GET", "DELETE"]),
        Route("/sandbox/webhooks/flush", sandbox.control("flush"), methods=["POST"]),
        Route("/sandbox/clock/advance", sandbox.control("clock"), methods=["POST"]),
        Route("/sandbox/run-due", sandbox.control("run-due"), methods=["POST"]),
        Route("/sandbox/config", sandbox.control("config"), methods=["GET", "PATCH"]),
        Route("/sandbox/customers/suspend", sandbox.control("suspend"), methods=["POST"]),
        Route("/sandbox/wallets", sandbox.control("wallet"), methods=["POST"]),
        Route("/sandbox/escrow/deposit", sandbox.control("escrow-deposit"), methods=["POST"]),
    ]
    app = Starlette(routes=routes, lifespan=sandbox.lifespan)
    app.state.sandbox = sandbox
    return app
