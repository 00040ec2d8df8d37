"""Search in French, one interface, two backends:

- PostgreSQL (production profile): full-text search on `SearchEntry.vector`, the `french_unaccent`
  configuration (the `french` Snowball stemmer after `unaccent`, created by migration 0002) with a
  GIN index;
- SQLite (embedded profile): the FTS5 table `knowledge_fts` (tokenizer `unicode61
  remove_diacritics 2`) holding the Snowball stems of each entry, written here at index time; a
  query is stemmed the same way.

`search_articles(user, q)` and `search_tickets(user, q)` find only what `user` may read: articles
by `knowledge.selectors.readable_articles`; tickets by `tickets.access.visible_q`, and inside a
ticket, a contribution only if its audience lets the user read it (`entry_audience_q`, the rule of
`tickets.access.entries_q` over many tickets). `highlight(text, q)` gives escaped HTML with <mark>.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from tickets import access

from .models import SearchEntry
from .text import query_stems, stem, stems, words

CONFIG = "french_unaccent"
FTS_TABLE = "knowledge_fts"


def backend() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


# --- writing the index ---------------------------------------------------------------------------

def write_entry(entry: SearchEntry) -> None:
    """Make the backend's index say this entry's current text (called after each save)."""
    if backend() == "postgresql":
        SearchEntry.objects.filter(pk=entry.pk).update(
            vector=SearchVector("title", weight="A", config=CONFIG) + SearchVector("body", weight="B", config=CONFIG))
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry.pk])  # noqa: S608  # nosec B608 — constant name
        cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608  # nosec B608
                       [entry.pk, " ".join(stems(entry.title)), " ".join(stems(entry.body))])


def write_entries(entries) -> None:
    """Bulk version of `write_entry` (the benchmark and the rebuild command)."""
    entries = list(entries)
    if not entries:
        return
    if backend() == "postgresql":
        SearchEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
            vector=SearchVector("title", weight="A", config=CONFIG) + SearchVector("body", weight="B", config=CONFIG))
        return
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608  # nosec B608
                           [(e.pk, " ".join(stems(e.title)), " ".join(stems(e.body))) for e in entries])


def forget_entries(ids) -> None:
    ids = list(ids)
    if ids and backend() == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(i,) for i in ids])  # noqa: S608  # nosec B608


# --- matching ------------------------------------------------------------------------------------

def _fts_expression(q: str, prefix_last: bool) -> str | None:
    terms = query_stems(q)
    if not terms:
        return None
    quoted = [f'"{t}"' for t in terms]
    if prefix_last and not q.rstrip()[-1:].isspace():
        quoted[-1] += "*"  # the teacher is still typing the last word
    return " AND ".join(quoted)


def matching(qs, q: str, *, prefix_last: bool = False):
    """`qs` (SearchEntry rows) restricted to those matching `q`, best first; None if `q` has no word."""
    if backend() == "postgresql":
        terms = query_stems(q)
        if not terms:
            return None
        query = SearchQuery(q, config=CONFIG, search_type="websearch")
        if prefix_last:
            # Raw tsquery built from the typed words (unaccented and stemmed by PostgreSQL), last as prefix.
            raw = " & ".join(f"{_pg_lexeme(w)}" for w in _typed_words(q)[:-1])
            last = _typed_words(q)[-1:] if not q.rstrip()[-1:].isspace() else []
            if last:
                raw = " & ".join(filter(None, [raw, f"{_pg_lexeme(last[0])}:*"]))
            elif not raw:
                return None
            query = SearchQuery(raw, config=CONFIG, search_type="raw")
        return qs.filter(vector=query).annotate(rank=SearchRank(F("vector"), query)).order_by("-rank", "-pk")
    expression = _fts_expression(q, prefix_last)
    if expression is None:
        return None
    ranked = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608  # nosec B608
                    [expression])
    return qs.filter(pk__in=ranked).order_by("-pk")


def _typed_words(q: str) -> list[str]:
    from .text import STOP, unaccent

    return [w for w in words(q) if unaccent(w.lower()) not in STOP][:12]


def _pg_lexeme(word: str) -> str:
    # Only \w characters reach here (text.WORD): safe inside a raw tsquery, which PostgreSQL then
    # unaccents and stems with the configuration, as it did the index.
    return word.lower()


# --- who reads what ------------------------------------------------------------------------------

def entry_audience_q(user) -> Q | None:
    """The SearchEntry rows of tickets `user` reads whose audience lets them read the entry (the
    rule of tickets.access.entries_q, written for many tickets at once). None: every entry."""
    visible = access.visible_q(user)
    if visible is None:
        return None
    from tickets.models import Ticket

    readable = Q(ticket__in=Ticket.objects.filter(visible).values("pk"))
    chain = access.chain_q(user)
    in_chain = Q(ticket__in=Ticket.objects.filter(chain).values("pk")) if chain is not None else Q()
    orgs = sorted(access.reader_organisations(user))
    audience = Q(visibility="public") | (Q(visibility="chain") & in_chain)
    if orgs:
        audience |= Q(visibility="organisation", organisation__in=orgs) & in_chain
    return readable & audience


@dataclass
class TicketHit:
    ticket: object
    title_html: str
    snippet_html: str


def search_tickets(user, q: str, *, limit: int = 20, state_in=None) -> list[TicketHit]:
    """Tickets `user` may read matching `q` (title, description, the contributions they may read)."""
    from tickets.models import Ticket

    qs = SearchEntry.objects.filter(ticket__isnull=False)
    rule = entry_audience_q(user)
    if rule is not None:
        qs = qs.filter(rule)
    if state_in:
        qs = qs.filter(ticket__state__in=list(state_in))
    found = matching(qs, q)
    if found is None:
        return []
    order, snippets = [], {}
    for ticket_id, title, body in found.values_list("ticket_id", "title", "body")[: limit * 5]:
        if ticket_id not in snippets:
            order.append(ticket_id)
            snippets[ticket_id] = body
        elif not snippet_has_match(snippets[ticket_id], q):
            snippets[ticket_id] = body
        if len(order) >= limit:
            break
    tickets = Ticket.objects.select_related("school", "desk").in_bulk(order)
    return [TicketHit(tickets[i], highlight(tickets[i].title, q), snippet(snippets[i], q)) for i in order if i in tickets]


# --- highlights ----------------------------------------------------------------------------------

def snippet_has_match(text: str, q: str) -> bool:
    wanted = set(query_stems(q))
    return any(stem(w) in wanted for w in words(text))


def _marked(text: str, wanted: set[str], prefix: str | None) -> str:
    import re

    out, last = [], 0
    for m in re.finditer(r"\w+", text):
        s = stem(m.group())
        out.append(escape(text[last:m.start()]))
        hit = s in wanted or (prefix and s.startswith(prefix))
        out.append(f"<mark>{escape(m.group())}</mark>" if hit else escape(m.group()))
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def highlight(text: str, q: str) -> str:
    """`text` as escaped HTML with each word whose stem the query searches in <mark>."""
    wanted = set(query_stems(q))
    return mark_safe(_marked(text or "", wanted, None))  # noqa: S308 — every piece escaped  # nosec B308 B703


def snippet(text: str, q: str, width: int = 220) -> str:
    """About `width` characters of `text` around its first match, highlighted (escaped HTML)."""
    text = " ".join((text or "").split())
    wanted = set(query_stems(q))
    start = 0
    for w in words(text):
        if stem(w) in wanted:
            start = max(text.find(w) - width // 3, 0)
            break
    piece = text[start:start + width]
    html = _marked(piece, wanted, None)
    if start > 0:
        html = "… " + html
    if start + width < len(text):
        html += " …"
    return mark_safe(html)  # noqa: S308 — every piece escaped  # nosec B308 B703


@dataclass
class ArticleHit:
    article: object
    title_html: str
    snippet_html: str


def search_articles(user, q: str, *, limit: int = 20, published_only: bool = True) -> list[ArticleHit]:
    """Articles `user` may read (knowledge.selectors.readable_articles) matching `q`."""
    from .models import Status
    from .selectors import readable_articles

    articles = readable_articles(user)
    if published_only:
        articles = articles.filter(status=Status.PUBLISHED)
    found = matching(SearchEntry.objects.filter(article__in=articles.values("pk")), q)
    if found is None:
        return []
    ids = list(found.values_list("article_id", flat=True)[:limit])
    by_id = articles.in_bulk(ids)
    return [ArticleHit(by_id[i], highlight(by_id[i].title, q), snippet(f"{by_id[i].summary} {by_id[i].body}", q))
            for i in ids if i in by_id]


def forget_ticket(ticket_id: int) -> int:
    """Drop a ticket's entries (its own text and its comments') from the index: anonymisation
    (privacy) leaves nothing of the person's text to find."""
    from .models import SearchEntry

    entries = SearchEntry.objects.filter(ticket_id=ticket_id)
    ids = list(entries.values_list("pk", flat=True))
    entries.delete()
    forget_entries(ids)
    return len(ids)
