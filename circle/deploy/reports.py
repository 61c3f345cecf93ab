"""Residents' reports: what a resident says the map gets wrong, kept in the deployment's database for triage.

A resident on the published site pins a place, picks what is wrong (a
facility missing, closed or wrong, or a blocked path) and writes a short
text; the public server passes it to :func:`submit_report`, which checks every
field and keeps plain text only, in the ``resident_reports`` table. Planners
list the reports (:func:`list_reports`), accept or reject each with a reason
(:func:`decide_report`) and link an accepted one to the scenario that acts on
it (:func:`link_scenario`).

Nothing personal is kept that the bureau does not need: the sender's network
address is stored only as a keyed digest (HMAC-SHA256 with a secret of the
database, never the address), which is enough to count a sender's reports
against the limits and no more; the optional contact is what the resident
chose to give. The limits live in the database, so every server process of a
deployment counts the same reports::

    per address   5 in 10 minutes, 20 in a day
    all senders   60 in a minute (a ceiling against a flood from many addresses)

The public server also asks for a short-lived token signed with another
secret of the database (:func:`issue_token`, :func:`token_valid`) before it
takes a report, so a report must come from a page the server handed out.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import math
import re
import secrets as random_secrets
import time
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from circle.deploy.db import resident_reports, secrets
from circle.errors import CircleError, InputDataError

if TYPE_CHECKING:
    from circle.deploy.db import Database

KINDS = ("missing", "closed", "wrong", "blocked_path")
STATUSES = ("new", "accepted", "rejected")
TEXT_MAX = 500
CONTACT_MAX = 100
REASON_MAX = 500

#: (how many reports, within how many seconds) one address may send
ADDRESS_LIMITS = ((5, 600.0), (20, 86400.0))
#: how many reports all senders together may send within a minute (a ceiling against floods from many
#: addresses; a proxy's per-network rate limits must keep one network from reaching it)
GLOBAL_LIMIT = (300, 60.0)
#: how long a report token holds
TOKEN_SECONDS = 3600.0

_ADDRESS_SECRET = "report_addresses"
_TOKEN_SECRET = "report_tokens"
_ADVISORY_LOCK = 0x0C1C1F  # PostgreSQL: limits counted and a report added as one step
_SITE = re.compile(r"^[^\s./\\<>][^/\\<>]{0,119}$")  # a study's folder name
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_HIDDEN_ELEMENTS = re.compile(
    r"<(script|style|iframe|object|embed|template)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<[/!?a-zA-Z][^<>]*>")
_BREAK_TAG = re.compile(r"</?(br|p|div|li|tr|h[1-6])\b[^<>]*>", re.IGNORECASE)
#: characters that show as blank space (Hangul fillers) count as spaces; format characters (Cf) go entirely
_FILLERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2028", "\u2029"}
_INVISIBLE = (
    {"\u200b", "\u200e", "\u200f", "\u2060", "\ufeff"}
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
)


class ReportRefused(CircleError):  # noqa: N818 (the name the triage page and server use)
    """A report the server does not take; the message is fit to show the resident who sent it.

    Parameters
    ----------
    message : str
        What was wrong, in plain words.
    code : str
        A short key of the reason (``"kind"``, ``"place"``, ``"text"``, ``"too_many"``, ...) for the
        page to show the message in the resident's language.
    """

    def __init__(self, message: str, *, code: str = "invalid", about: Sequence[str] = ()):
        super().__init__(message, about=about)
        self.code = code


@dataclass(frozen=True)
class ResidentReport:
    """One resident's report and what the bureau decided (the sender's address digest is never given out)."""

    report_id: int
    site: str
    block_id: str | None
    kind: str
    category: str | None
    lon: float
    lat: float
    text: str
    contact: str | None
    created_at: dt.datetime
    status: str
    reason: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    scenario: str | None


# plain text --------------------------------------------------------------------------------------------


def plain_text(value: str) -> str:
    """Return ``value`` as plain text: markup, entities, control and invisible characters removed, spaces folded.

    Script and style elements go with their content; line-breaking tags
    (``br``, ``p``, ``div``, ...) become line breaks and other tags go;
    entities are decoded and whatever markup they hid is removed in turn; a
    lone ``<`` or ``>`` is dropped so that nothing kept can form a tag. Line breaks survive (at most two in a row).

    Examples
    --------
    >>> plain_text("  <b>诊所</b> 已关门<script>alert(1)</script> &amp; 搬走 ")
    '诊所 已关门 & 搬走'
    """
    text = unicodedata.normalize("NFC", value)
    for _ in range(5):  # entities that decode to markup, nested at most a few times
        stripped = _TAG.sub("", _BREAK_TAG.sub("\n", _HIDDEN_ELEMENTS.sub("", text)))
        decoded = html.unescape(stripped)
        if decoded == text:
            break
        text = decoded
    text = text.replace("<", "").replace(">", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = "".join(
        " " if ch in _FILLERS else ch
        for ch in text
        if ch == "\n" or (unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co") and ch not in _INVISIBLE)
    )
    text = re.sub(r"[ \u00a0\u3000]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# the sender's address and the page's token ---------------------------------------------------------------


_SECRETS: dict[tuple[str, str], bytes] = {}  # secrets never change once made: read each once per process


def _secret(database: Database, name: str) -> bytes:
    """Return the database's secret called ``name``, made once (random, 32 bytes) by whichever process asks first."""
    known = _SECRETS.get((database.url, name))
    if known is not None:
        return known
    query = sa.select(secrets.c.value).where(secrets.c.name == name)
    with database.connect() as connection:
        value = connection.scalar(query)
    if value is None:
        try:
            with database.begin() as connection:
                connection.execute(secrets.insert().values(name=name, value=random_secrets.token_hex(32)))
        except sa.exc.IntegrityError:
            pass  # another process made it first
        with database.connect() as connection:
            value = connection.scalar(query)
    _SECRETS[(database.url, name)] = value.encode("ascii")
    return _SECRETS[(database.url, name)]


def address_digest(database: Database, address: str) -> str:
    """Return the keyed digest a sender's network address is counted by (the address itself is never stored)."""
    folded = (address or "unknown").strip().lower().encode("utf-8")
    return hmac.new(_secret(database, _ADDRESS_SECRET), folded, hashlib.sha256).hexdigest()[:32]


def issue_token(database: Database, now: float | None = None) -> str:
    """Return a token the public server hands a page, good for :data:`TOKEN_SECONDS` (HMAC-signed, no state kept)."""
    issued = int(time.time() if now is None else now)
    nonce = base64.urlsafe_b64encode(random_secrets.token_bytes(9)).decode("ascii")
    body = f"{issued}.{nonce}"
    signature = hmac.new(_secret(database, _TOKEN_SECRET), body.encode("ascii"), hashlib.sha256).hexdigest()[:32]
    return f"{body}.{signature}"


def token_valid(database: Database, token: str | None, now: float | None = None) -> bool:
    """Whether ``token`` was issued by this deployment (:func:`issue_token`) within the last :data:`TOKEN_SECONDS`."""
    if not isinstance(token, str) or len(token) > 100 or token.count(".") != 2:
        return False
    issued, nonce, signature = token.split(".")
    if not issued.isdigit() or len(issued) > 12:
        return False
    body = f"{issued}.{nonce}"
    expected = hmac.new(_secret(database, _TOKEN_SECRET), body.encode("ascii", "replace"), hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest()[:32], signature):
        return False
    age = (time.time() if now is None else now) - int(issued)
    return -60.0 <= age <= TOKEN_SECONDS


# checks -------------------------------------------------------------------------------------------------


def _number(value: object, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReportRefused(f"the {name} of the pin is not a number.", code="place", about=(name,))
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise ReportRefused(f"the {name} of the pin is not a usable number.", code="place", about=(name,)) from None
    if not math.isfinite(number):
        raise ReportRefused(f"the {name} of the pin is not a finite number.", code="place", about=(name,))
    if not low <= number <= high:
        raise ReportRefused(f"the {name} of the pin, {value}, is outside {low:g} to {high:g}.", code="place")
    return number


def _short_text(value: object, name: str, limit: int, code: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReportRefused(f"the {name} is not text.", code=code, about=(name,))
    if len(value) > limit * 4:  # far too long before cleaning: refuse without working on it
        raise ReportRefused(f"the {name} is longer than {limit} characters.", code=code, about=(name,))
    cleaned = plain_text(value)
    if len(cleaned) > limit:
        raise ReportRefused(
            f"the {name} is {len(cleaned)} characters long; at most {limit} are taken.", code=code, about=(name,)
        )
    return cleaned or None


def _checked(
    site: object,
    block_id: object,
    kind: object,
    category: object,
    lon: object,
    lat: object,
    text: object,
    contact: object,
    bounds: Sequence[float] | None,
    categories: Collection[str] | None,
) -> dict:
    """Return the report's fields, checked and cleaned, or raise :class:`ReportRefused` naming the first problem."""
    if not isinstance(site, str) or not _SITE.match(site) or plain_text(site) != site:
        raise ReportRefused("the report does not name a published site.", code="site", about=("site",))
    if kind not in KINDS:
        raise ReportRefused(f"the kind of report must be one of {', '.join(KINDS)}.", code="kind", about=("kind",))
    if category is not None and (not isinstance(category, str) or not _KEY.match(category)):
        raise ReportRefused("the category is not one of the site's categories.", code="category", about=("category",))
    if category is not None and categories is not None and category not in categories:
        raise ReportRefused(f"the site has no category {category!r}.", code="category", about=("category",))
    if block_id is not None and (
        not isinstance(block_id, str) or not 0 < len(block_id) <= 120 or plain_text(block_id) != block_id
    ):
        raise ReportRefused("the report's block is not one of the site's blocks.", code="block", about=("block_id",))
    x = _number(lon, "longitude", -180.0, 180.0)
    y = _number(lat, "latitude", -90.0, 90.0)
    if bounds is not None:
        west, south, east, north = bounds
        if not (west <= x <= east and south <= y <= north):
            raise ReportRefused(
                f"the pin ({x:.5f}, {y:.5f}) lies outside the area this site covers.",
                code="place",
                about=("lon", "lat"),
            )
    words = _short_text(text, "text", TEXT_MAX, "text")
    if not words or not any(ch.isalnum() for ch in words):
        raise ReportRefused("the report has no text: say in a few words what is wrong.", code="text", about=("text",))
    return {
        "site": site,
        "block_id": block_id,
        "kind": kind,
        "category": category,
        "lon": x,
        "lat": y,
        "text": words,
        "contact": _short_text(contact, "contact", CONTACT_MAX, "contact"),
    }


def _utc(moment: dt.datetime | float | None) -> dt.datetime:
    """Return ``moment`` (a datetime, seconds since the epoch, or None for now) as a naive UTC datetime."""
    if moment is None:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if isinstance(moment, int | float):
        return dt.datetime.fromtimestamp(moment, dt.UTC).replace(tzinfo=None)
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.replace(tzinfo=dt.UTC)


def _limit_reached(connection, digest: str, now: dt.datetime) -> str | None:
    """Return the refusal's words when the sender, or all senders, reached a limit; None when within them."""
    for count, seconds in ADDRESS_LIMITS:
        since = now - dt.timedelta(seconds=seconds)
        sent = connection.scalar(
            sa.select(sa.func.count())
            .select_from(resident_reports)
            .where(resident_reports.c.address_digest == digest, resident_reports.c.created_at > since)
        )
        if sent >= count:
            span = "10 minutes" if seconds == 600 else ("a day" if seconds == 86400 else f"{seconds:g} seconds")
            return f"you have sent {sent} reports in {span}, the most taken; please try again later."
    count, seconds = GLOBAL_LIMIT
    since = now - dt.timedelta(seconds=seconds)
    sent = connection.scalar(
        sa.select(sa.func.count()).select_from(resident_reports).where(resident_reports.c.created_at > since)
    )
    if sent >= count:
        return "many reports are arriving just now; please try again in a few minutes."
    return None


# the API ------------------------------------------------------------------------------------------------


def submit_report(
    database: Database,
    *,
    site: str,
    block_id: str | None,
    kind: str,
    category: str | None,
    lon: float,
    lat: float,
    text: str,
    contact: str | None,
    address: str,
    now: dt.datetime | float | None = None,
    bounds: Sequence[float] | None = None,
    categories: Collection[str] | None = None,
) -> int:
    """Check a resident's report, keep it as plain text, and return its number.

    Parameters
    ----------
    database : Database
        The deployment's database.
    site : str
        The study whose published site the report was sent from (the study's folder name, the
        ``name`` of the site's ``site.json``).
    block_id : str or None
        The block whose page it was sent from.
    kind : str
        One of :data:`KINDS`.
    category : str or None
        The facility category concerned (a key of the site's categories).
    lon, lat : float
        The pin, in WGS-84 degrees.
    text : str
        What is wrong: 1 to :data:`TEXT_MAX` characters once markup is removed.
    contact : str or None
        How the bureau may reach the resident, when they chose to say (at most :data:`CONTACT_MAX`).
    address : str
        The sender's network address; only its keyed digest is kept, to count it against the limits.
    now : datetime or float, optional
        The time of the report (default: now).
    bounds : (west, south, east, north), optional
        The site's extent in degrees; a pin outside it is refused.
    categories : collection of str, optional
        The site's category keys; another category is refused.

    Returns
    -------
    int
        The report's number.

    Raises
    ------
    ReportRefused
        When a field is missing, malformed or out of range, or the sender (or
        everyone together) has reached a limit; nothing is stored.
    """
    row = _checked(site, block_id, kind, category, lon, lat, text, contact, bounds, categories)
    moment = _utc(now)
    digest = address_digest(database, address)
    with database.begin() as connection:  # BEGIN IMMEDIATE on SQLite: counting and adding is one step
        if database.dialect == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        refusal = _limit_reached(connection, digest, moment)
        if refusal:
            raise ReportRefused(refusal, code="too_many")
        result = connection.execute(
            resident_reports.insert().values(**row, address_digest=digest, created_at=moment, status="new")
        )
        return int(result.inserted_primary_key[0])


def _report(row) -> ResidentReport:
    return ResidentReport(
        report_id=row.id,
        site=row.site,
        block_id=row.block_id,
        kind=row.kind,
        category=row.category,
        lon=row.lon,
        lat=row.lat,
        text=row.text,
        contact=row.contact,
        created_at=_aware(row.created_at),
        status=row.status,
        reason=row.reason,
        decided_by=row.decided_by,
        decided_at=_aware(row.decided_at),
        scenario=row.scenario,
    )


_COLUMNS = [c for c in resident_reports.c if c.name != "address_digest"]


def list_reports(database: Database, site: str | None = None, status: str | None = None) -> list[ResidentReport]:
    """Return the reports, newest first, of one site and/or one status (default: all)."""
    if status is not None and status not in STATUSES:
        raise InputDataError(f"a report's status is one of {', '.join(STATUSES)}, not {status!r}.")
    query = sa.select(*_COLUMNS).order_by(resident_reports.c.created_at.desc(), resident_reports.c.id.desc())
    if site is not None:
        query = query.where(resident_reports.c.site == site)
    if status is not None:
        query = query.where(resident_reports.c.status == status)
    with database.connect() as connection:
        return [_report(row) for row in connection.execute(query)]


def _one(connection, report_id: int) -> ResidentReport:
    row = connection.execute(sa.select(*_COLUMNS).where(resident_reports.c.id == report_id)).first()
    if row is None:
        raise InputDataError(f"there is no resident's report number {report_id}.")
    return _report(row)


def decide_report(
    database: Database,
    report_id: int,
    *,
    accepted: bool,
    by: str,
    reason: str | None = None,
    scenario: str | None = None,
    now: dt.datetime | float | None = None,
) -> ResidentReport:
    """Accept or reject a report (rejecting needs a reason) and return it as decided.

    A decided report may be decided again (a planner changes their mind);
    the last decision, its author and time are kept.

    Raises
    ------
    InputDataError
        When there is no such report, a rejection gives no reason, or the
        reason or scenario name is too long.
    """
    words = plain_text(reason) if reason else None
    if not accepted and not words:
        raise InputDataError(f"rejecting report {report_id} needs a reason: what the bureau found on checking it.")
    if words and len(words) > REASON_MAX:
        raise InputDataError(f"the reason is {len(words)} characters long; at most {REASON_MAX} are kept.")
    if not by or not by.strip():
        raise InputDataError("a decision on a report names the planner who made it.")
    values = {
        "status": "accepted" if accepted else "rejected",
        "reason": words,
        "decided_by": by.strip()[:255],
        "decided_at": _utc(now),
    }
    if scenario is not None:
        values["scenario"] = _scenario_name(scenario)
    with database.begin() as connection:
        _one(connection, report_id)
        connection.execute(resident_reports.update().where(resident_reports.c.id == report_id).values(**values))
        return _one(connection, report_id)


def _scenario_name(scenario: str) -> str:
    name = scenario.strip()
    if not name or len(name) > 80:
        raise InputDataError(f"a scenario's name is 1 to 80 characters, not {len(name)}.")
    return name


def link_scenario(database: Database, report_id: int, scenario: str) -> None:
    """Record that the scenario called ``scenario`` acts on the report ``report_id``."""
    name = _scenario_name(scenario)
    with database.begin() as connection:
        _one(connection, report_id)
        connection.execute(resident_reports.update().where(resident_reports.c.id == report_id).values(scenario=name))
