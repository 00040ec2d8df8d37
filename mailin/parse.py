"""Reading one e-mail (pure: bytes in, `ParsedMessage` out, no database, never raises).

What it tells: the kind (`new`, `reply`, `auto` for an auto-reply, `bounce` for a delivery report,
`bad` when it cannot be read: oversized, malformed MIME, unknown charset), the text (the plain part,
or the HTML part reduced to text, quoted history and signature trimmed), the attachments, the reply
token of the address it was sent to (desk+<token>@domain) and the Message-IDs it refers to
(In-Reply-To, References), and whether an Authentication-Results header reports a DKIM/SPF failure.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field, replace
from email import policy
from email.errors import MessageDefect
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr

import nh3
from django.utils.translation import gettext, gettext_noop

NEW, REPLY, AUTO, BOUNCE, BAD = "new", "reply", "auto", "bounce", "bad"
MAX_TEXT = 50_000

# Defects after which the structure of the message cannot be trusted.
_FATAL_DEFECTS = ("StartBoundaryNotFoundDefect", "MultipartInvariantViolationDefect", "NoBoundaryInMultipartDefect",
                  "CloseBoundaryNotFoundDefect", "MissingHeaderBodySeparatorDefect")
_AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "noreply-dmarc")
_MSGID = re.compile(r"<[^<>\s]+>")
_AUTH_FAIL = re.compile(r"\b(dkim|spf)\s*=\s*(fail|permerror|softfail)\b", re.IGNORECASE)

# Where the quoted history starts (French and English clients, Outlook's header block).
_QUOTE_HEADERS = [
    re.compile(r"^\s*(le|on)\s.{4,200}(a écrit|wrote)\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(message d'origine|original message|message transféré|forwarded message)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*(de|from)\s*:\s.+$", re.IGNORECASE),
]
_SIGNATURE = re.compile(r"^(-- ?|--|__+)$")
_MOBILE = re.compile(r"^\s*(envoyé de mon|sent from my)\b", re.IGNORECASE)


@dataclass
class Attachment:
    name: str
    data: bytes
    mime: str

    @property
    def size(self):
        return len(self.data)

    def read(self, n=-1):  # the upload interface tickets.attachments reads
        return self.data if n is None or n < 0 else self.data[:n]


@dataclass
class ParsedMessage:
    kind: str
    message_id: str
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    auth_failed: str = ""
    reason: str = ""  # in French, for the agent (why bad, why auto)
    recipients: list[str] = field(default_factory=list)
    why: tuple = ()  # (template, params) of a bad message's reason, to tell the sender in their language

    def explained(self) -> str:
        """The reason in the active language."""
        return gettext(self.why[0]) % self.why[1] if self.why else self.reason


def _why(template: str, **params) -> dict:
    return {"reason": template % params, "why": (template, params)}


def fallback_id(raw: bytes) -> str:
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@sans-message-id>"


def _header(msg, name) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 — a header the policy cannot parse
        value = None
        for key, raw in msg.raw_items() if hasattr(msg, "raw_items") else ():
            if key.lower() == name.lower():
                value = raw
                break
    return " ".join(str(value).split()) if value is not None else ""


def _addresses(msg, *names) -> list[str]:
    found = []
    for name in names:
        try:
            values = msg.get_all(name) or []
        except Exception:  # noqa: BLE001
            values = []
        for _display, addr in getaddresses([str(v) for v in values]):
            if addr and "@" in addr:
                found.append(addr.strip().lower())
    return found


def reply_tokens(addresses) -> list[str]:
    """The `+token` parts of the addresses (desk+TOKEN@domain)."""
    tokens = []
    for addr in addresses:
        local = addr.rsplit("@", 1)[0]
        if "+" in local:
            tokens.append(local.split("+", 1)[1])
    return tokens


def _auto_reason(msg, sender: str) -> tuple[str, str] | None:
    ctype = msg.get_content_type()
    if ctype == "multipart/report" or _header(msg, "Content-Type").lower().startswith("multipart/report"):
        return BOUNCE, "Rapport de remise (DSN, multipart/report)"
    local = sender.split("@", 1)[0].lower()
    return_path = _header(msg, "Return-Path")
    if any(local.startswith(d) for d in _DAEMONS) or return_path.strip() == "<>":
        return BOUNCE, "Avis de non-remise (MAILER-DAEMON / postmaster)"
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return AUTO, f"Message automatique (Auto-Submitted: {auto[:40]})"
    precedence = _header(msg, "Precedence").lower()
    if precedence in _AUTO_PRECEDENCE:
        return AUTO, f"Message automatique (Precedence: {precedence})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(msg, name):
            return AUTO, f"Réponse automatique ({name})"
    if _header(msg, "X-Auto-Response-Suppress") and _header(msg, "X-Loop"):
        return AUTO, "Boucle détectée (X-Loop)"
    return None


def html_to_text(value: str) -> str:
    """HTML reduced to text: no script, style or markup (nh3 strips every tag), breaks kept."""
    value = re.sub(r"(?is)<(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", "\n", value)
    value = re.sub(r"(?is)<blockquote\b.*?</blockquote>", "\n", value)  # quoted history
    cleaned = nh3.clean(value, tags=set(), clean_content_tags={"script", "style", "head", "title"})
    text = html.unescape(cleaned)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


def trim(text: str) -> str:
    """The new text of a reply: quoted lines, the quoted history and the signature removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for line in lines:
        stripped = line.rstrip()
        if _SIGNATURE.match(stripped) or _MOBILE.match(stripped):
            break
        if any(p.match(stripped) for p in _QUOTE_HEADERS) and kept:
            break
        if stripped.startswith(">"):
            continue
        kept.append(stripped)
    result = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", result)[:MAX_TEXT]


def _decoded(part) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "us-ascii"
    try:
        return payload.decode(charset)
    except LookupError:
        raise
    except UnicodeDecodeError:
        return payload.decode(charset, errors="replace")


def parse(raw: bytes, max_bytes: int | None = None) -> ParsedMessage:
    try:
        return _parse(raw, max_bytes)
    except Exception as exc:  # noqa: BLE001 — never a crash: the message is held, with the reason
        return ParsedMessage(kind=BAD, message_id=fallback_id(raw), **_why(gettext_noop("Message illisible (%(error)s)"), error=type(exc).__name__))


def _parse(raw: bytes, max_bytes: int | None) -> ParsedMessage:
    if max_bytes is not None and len(raw) > max_bytes:
        head = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:65536])
        name, sender = parseaddr(str(head.get("From", "")))
        ids = _MSGID.findall(str(head.get("Message-ID", "")))
        return ParsedMessage(
            kind=BAD, message_id=ids[0] if ids else fallback_id(raw), sender=sender.lower(), sender_name=name,
            subject=" ".join(str(head.get("Subject", "")).split())[:250],
            **_why(gettext_noop("Message trop volumineux (%(size)s Ko, au plus %(max)s Ko)"),
                   size=len(raw) // 1024, max=max_bytes // 1024))
    msg: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
    name, sender = parseaddr(_header(msg, "From"))
    ids = _MSGID.findall(_header(msg, "Message-ID"))
    recipients = _addresses(msg, "To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
    parsed = ParsedMessage(
        kind=NEW, message_id=ids[0][:255] if ids else fallback_id(raw), sender=sender.strip().lower(),
        sender_name=name.strip()[:200], subject=_header(msg, "Subject")[:250], recipients=recipients,
        tokens=reply_tokens(recipients),
        references=_MSGID.findall(_header(msg, "In-Reply-To")) + _MSGID.findall(_header(msg, "References")),
    )
    auto = _auto_reason(msg, parsed.sender)
    if auto:
        parsed.kind, parsed.reason = auto
        return parsed
    for value in msg.get_all("Authentication-Results") or []:
        found = _AUTH_FAIL.search(str(value))
        if found:
            parsed.auth_failed = f"{found.group(1).upper()}={found.group(2).lower()}"
            break
    defects = [d for part in msg.walk() for d in getattr(part, "defects", []) if isinstance(d, MessageDefect)]
    fatal = [type(d).__name__ for d in defects if type(d).__name__ in _FATAL_DEFECTS]
    if fatal:
        return replace(parsed, kind=BAD, **_why(gettext_noop("Structure MIME invalide (%(defects)s)"),
                                                defects=", ".join(sorted(set(fatal)))))
    plain, rich = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        ctype = part.get_content_type()
        if filename or disposition == "attachment":
            data = part.get_payload(decode=True) or b""
            parsed.attachments.append(Attachment(name=str(filename or "piece-jointe"), data=data, mime=ctype))
            continue
        if ctype not in ("text/plain", "text/html"):
            continue
        try:
            content = _decoded(part)
        except LookupError:
            return replace(parsed, kind=BAD, **_why(gettext_noop("Jeu de caractères inconnu : « %(charset)s »"),
                                                    charset=str(part.get_content_charset())[:40]))
        (plain if ctype == "text/plain" else rich).append(content)
    text = "\n\n".join(plain) if plain else html_to_text("\n".join(rich))
    parsed.text = trim(text)
    if parsed.references or parsed.tokens:
        parsed.kind = REPLY
    return parsed


def address_parts(address: str) -> tuple[str, str]:
    """(local part without +token, domain) of an address."""
    try:
        a = Address(addr_spec=address)
        local, domain = a.username, a.domain
    except Exception:  # noqa: BLE001
        local, _sep, domain = address.partition("@")
    return local.split("+", 1)[0].lower(), domain.lower()
