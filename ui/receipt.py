"""The receipt of a delivered cash-out: a PNG image a customer can forward (to the person
paid, an employer, a landlord), in the customer's language. Pure: bytes in memory, no I/O
beyond reading the bundled font.

The same label/value lines are drawn on the image and stored as PNG text chunks (``tEXt``/
``iTXt``), so software (and tests) can read what the picture says without OCR.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from storage.models import OfframpRecord, Recipient
from ui.texts import language, raw, t
from ui.views import amount_text, crypto_text, fiat_text, is_lightning, recipient_label, token_unit, when

WIDTH = 900
MARGIN = 48
LINE = 46
#: DejaVu ships with most Linux images and covers French and Kiswahili; Pillow's own scalable
#: font is the fallback.
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
MSAT_PER_SAT = Decimal(1000)


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        candidate = path.with_name(path.stem + "-Bold.ttf") if bold else path
        if candidate.exists():
            return ImageFont.truetype(str(candidate), size)
    return ImageFont.load_default(size=size)


def receipt_lines(
    offramp: OfframpRecord, recipient: Recipient | None, *, delivered_at: datetime
) -> list[tuple[str, str, str]]:
    """What the receipt says: catalog key, label (in the current language) and value."""
    unit = token_unit(offramp.token, offramp.chain)
    units = offramp.crypto_amount / MSAT_PER_SAT if is_lightning(offramp.chain) else offramp.crypto_amount
    lines = [
        ("receipt_reference", raw("receipt_reference"), offramp.reference_id),
        ("receipt_sent", raw("receipt_sent"), crypto_text(offramp.token, offramp.chain, offramp.crypto_amount)),
    ]
    if offramp.fiat_amount is not None and units:
        rate = (offramp.fiat_amount / units).quantize(Decimal("0.000001")).normalize()
        lines.append(("receipt_rate", raw("receipt_rate"), f"1 {unit} = {amount_text(rate, offramp.currency)}"))
    if offramp.fee is not None:
        lines.append(("receipt_fee", raw("receipt_fee"), fiat_text(offramp.fee, offramp.currency)))
    lines.append(
        ("receipt_received", raw("receipt_received"), fiat_text(offramp.fiat_transaction_amount, offramp.currency))
    )
    lines.append(
        ("receipt_recipient", raw("receipt_recipient"), recipient_label(recipient) if recipient is not None else "—")
    )
    if offramp.transaction_hash:
        lines.append(("receipt_deposit", raw("receipt_deposit"), offramp.transaction_hash))
    lines.append(("receipt_created", raw("receipt_created"), when(offramp.created_at)))
    lines.append(("receipt_delivered", raw("receipt_delivered"), when(delivered_at)))
    return lines


def _wrapped(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """Long values (a transaction hash) broken to fit, character by character."""
    rows, row = [], ""
    for char in text:
        if row and font.getlength(row + char) > width:
            rows.append(row)
            row = ""
        row += char
    return [*rows, row]


def receipt_png(offramp: OfframpRecord, recipient: Recipient | None, *, delivered_at: datetime) -> bytes:
    """The receipt image; its text chunks hold the same lines (``receipt_sent`` → "You sent: 10 USDT")."""
    lines = receipt_lines(offramp, recipient, delivered_at=delivered_at)
    title, status = raw("receipt_title"), raw("receipt_status")
    label_font, value_font, title_font = _font(24), _font(26, bold=True), _font(38, bold=True)
    value_width = WIDTH - 2 * MARGIN
    rows = [(label, _wrapped(value, value_font, value_width)) for _, label, value in lines]
    height = MARGIN * 2 + 110 + sum(30 + LINE * len(values) + 10 for _, values in rows)
    # a palette image: a few colours, a third of the bytes and time of RGB to encode
    image = Image.new("P", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 12), fill="#1a7f37")
    draw.text((MARGIN, MARGIN), title, font=title_font, fill="#111111")
    draw.text((MARGIN, MARGIN + 52), status, font=label_font, fill="#1a7f37")
    y = MARGIN + 110
    for label, values in rows:
        draw.text((MARGIN, y), label, font=label_font, fill="#666666")
        y += 30
        for value in values:
            draw.text((MARGIN, y), value, font=value_font, fill="#111111")
            y += LINE
        y += 10
    info = PngInfo()
    info.add_itxt("Title", title)
    info.add_itxt("Language", language())
    for key, label, value in lines:  # keyed by catalog key, so a reader needs no language
        info.add_itxt(key, raw("receipt_line", label=label, value=value))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, compress_level=6)
    return out.getvalue()


def receipt_message(offramp: OfframpRecord, recipient: Recipient | None) -> tuple[bytes, str]:
    """The receipt as sent: the image and its caption (HTML). Delivered at the last change
    of the cash-out, which is its delivery."""
    photo = receipt_png(offramp, recipient, delivered_at=offramp.updated_at)
    caption = t(
        "receipt_caption",
        reference=offramp.reference_id,
        receive=fiat_text(offramp.fiat_transaction_amount, offramp.currency),
        recipient=recipient_label(recipient) if recipient is not None else t("the_recipient"),
    )
    return photo, caption
