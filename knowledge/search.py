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

The perimeter is filtered inside the index: each ticket entry carries the ticket's columns the access
rule reads (`TICKET_COLUMNS`: rule path → column, the values read through those same paths by
`sync_perimeter`), and `on_entries(q)` rewrites the rule's Q (written on Ticket, in tickets.access)
onto those columns — the rule itself is not copied: a path without a column is answered by a
subquery on Ticket. Then only the `CANDIDATES` most recent matching entries the reader may read are
ranked (a common word matches a large share of a million tickets): below that many matches the
order is exactly the rank's; above, the best of the most recent.
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
CANDIDATES = 1000
RECENT_WINDOW = 100_000

# The ticket fields the access rule (tickets.access) reads → the SearchEntry column holding them.
TICKET_COLUMNS = {
    "requester_id": "ticket_requester",
    "school_id": "ticket_school",
    "school__circonscription_id": "ticket_circonscription",
    "school__academie_id": "ticket_academie",
    "school__academie__region_id": "ticket_region",
    "school__collectivite_id": "ticket_collectivite",
    "desk_id": "ticket_desk",
    "vendor_id": "ticket_vendor",
    "reached_vendor": "ticket_reached_vendor",
    "category": "ticket_category",
    "state": "ticket_state",
}
# Other spellings of the same paths a Q may use.
_ALIASES = {"pk": "ticket_id", "id": "ticket_id", "requester": "ticket_requester", "school": "ticket_school",
            "school__pk": "ticket_school", "school__id": "ticket_school",
            "school__circonscription": "ticket_circonscription", "school__academie": "ticket_academie",
            "school__academie__region": "ticket_region", "school__collectivite": "ticket_collectivite",
            "desk": "ticket_desk", "vendor": "ticket_vendor"}
_LOOKUPS = {"exact", "in", "isnull", "gt", "gte", "lt", "lte"}


def backend() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


# --- writing the index ---------------------------------------------------------------------------

def perimeter_of_ticket(Ticket=None) -> dict:
    """column → the ticket's value, as expressions on a SearchEntry row (read through the rule's
    own paths, `TICKET_COLUMNS`): for an UPDATE of entries."""
    if Ticket is None:
        from tickets.models import Ticket
    from django.db.models import OuterRef, Subquery

    row = Ticket.objects.filter(pk=OuterRef("ticket_id"))
    return {column: Subquery(row.values(path)[:1]) for path, column in TICKET_COLUMNS.items()}


def sync_perimeter(entries, Ticket=None) -> int:
    """Copy their tickets' current perimeter columns onto these entries (a queryset; one UPDATE):
    after a ticket moves desk or school, its entries leave the old perimeter's search."""
    return entries.filter(ticket__isnull=False).update(**perimeter_of_ticket(Ticket))


def write_entry(entry: SearchEntry, *, perimeter: bool = True) -> None:
    """Make the backend's index say this entry's current text (called after each save), and, for a
    ticket's entry, its ticket's perimeter columns."""
    columns = perimeter_of_ticket() if perimeter and entry.ticket_id else {}
    if backend() == "postgresql":
        SearchEntry.objects.filter(pk=entry.pk).update(
            vector=SearchVector("title", weight="A", config=CONFIG) + SearchVector("body", weight="B", config=CONFIG),
            **columns)
        return
    if columns:
        SearchEntry.objects.filter(pk=entry.pk).update(**columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry.pk])  # noqa: S608  # nosec B608 — constant name
        cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608  # nosec B608
                       [entry.pk, " ".join(stems(entry.title)), " ".join(stems(entry.body))])


def write_entries(entries, *, perimeter: bool = True) -> None:
    """Bulk version of `write_entry` (the benchmark and the rebuild command). `perimeter=False`:
    the text only (a migration written before the perimeter columns existed)."""
    entries = list(entries)
    if not entries:
        return
    rows = SearchEntry.objects.filter(pk__in=[e.pk for e in entries])
    if backend() == "postgresql":
        columns = perimeter_of_ticket() if perimeter else {}
        rows.update(vector=SearchVector("title", weight="A", config=CONFIG) + SearchVector("body", weight="B", config=CONFIG),
                    **columns)
        return
    if perimeter:
        sync_perimeter(rows)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608  # nosec B608
                           [(e.pk, " ".join(stems(e.title)), " ".join(stems(e.body))) for e in entries])


def forget_entries(ids) -> None:
    ids = list(ids)
    if ids and backend() == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(i,) for i in ids])  # noqa: S608  # nosec B608


def on_entries(q: Q | None) -> Q | None:
    """`q`, a Q on Ticket (tickets.access), as the same condition on SearchEntry rows of tickets:
    each path with a column (`TICKET_COLUMNS`) reads the column; any other condition is asked of
    Ticket itself (`ticket_id IN (tickets where it holds)`), so the meaning never changes."""
    if q is None:
        return None
    from tickets.models import Ticket

    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(on_entries(child))
            continue
        if isinstance(child, tuple):
            key, value = child
            path, _sep, lookup = key.rpartition("__") if key.rsplit("__", 1)[-1] in _LOOKUPS else (key, "", "")
            column = TICKET_COLUMNS.get(path) or _ALIASES.get(path)
            if column is not None:
                out.children.append((f"{column}__{lookup}" if lookup else column, value))
                continue
        out.children.append(_asked_elsewhere(child, Ticket))
    return out


def _asked_elsewhere(child, Ticket) -> Q:
    """A condition without a column: through the desk or the school (small tables) when it reads
    one of theirs, else of Ticket. A null desk/school matches an `isnull=True` path as the join did."""
    if isinstance(child, tuple):
        key, value = child
        relation, _sep, rest = key.partition("__")
        if rest and relation in ("desk", "school"):
            model = Ticket._meta.get_field(relation).related_model
            column = TICKET_COLUMNS[f"{relation}_id"]
            q = Q(**{f"{column}__in": model.objects.filter(**{rest: value}).values("pk")})
            if rest.endswith("isnull") and value is True:
                q |= Q(**{f"{column}__isnull": True})
            return q
    return Q(ticket_id__in=Ticket.objects.filter(Q(child)).values("pk"))


# --- matching ------------------------------------------------------------------------------------

def _fts_expression(q: str, prefix_last: bool) -> str | None:
    terms = query_stems(q)
    if not terms:
        return None
    quoted = [f'"{t}"' for t in terms]
    if prefix_last and not q.rstrip()[-1:].isspace():
        quoted[-1] += "*"  # the teacher is still typing the last word
    return " AND ".join(quoted)


def matching(qs, q: str, *, prefix_last: bool = False, candidates: int | None = None):
    """`qs` (SearchEntry rows) restricted to those matching `q`, best first; None if `q` has no word.
    `candidates`: rank only that many of the most recent matches (PostgreSQL then walks the
    matches in the perimeter's indexes and ranks a bounded set)."""
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
        found = qs.filter(vector=query)
        if candidates:
            found = SearchEntry.objects.filter(pk__in=_most_recent(found, candidates))
        return found.annotate(rank=SearchRank(F("vector"), query)).order_by("-rank", "-pk")
    expression = _fts_expression(q, prefix_last)
    if expression is None:
        return None
    ranked = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608  # nosec B608 B611 — a constant table, the words as a parameter
                    [expression])
    found = qs.filter(pk__in=ranked)
    if candidates:
        found = SearchEntry.objects.filter(pk__in=found.order_by("-pk").values("pk")[:candidates])
    return found.order_by("-pk")


def _most_recent(found, candidates: int) -> list[int]:
    """The ids of the `candidates` most recent entries of `found` (PostgreSQL), in two bounded
    steps rather than one plan the planner may get wrong: first among the `RECENT_WINDOW` newest
    entries (a backward walk of at most that many rows: common words); if fewer match, over the
    whole index through the GIN bitmap (ordering on `id + 0` keeps the planner off the primary
    key walk, which would read every entry for a rare word)."""
    from django.db.models import Max

    newest = SearchEntry.objects.aggregate(top=Max("pk"))["top"] or 0
    ids = list(found.filter(pk__gt=newest - RECENT_WINDOW).order_by("-pk").values_list("pk", flat=True)[:candidates])
    if len(ids) < candidates:
        ids = list(found.order_by((F("pk") + 0).desc()).values_list("pk", flat=True)[:candidates])
    return ids


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
    rule of tickets.access.entries_q, written for many tickets at once, on the entries' perimeter
    columns: `on_entries`). None: every entry."""
    visible = on_entries(access.visible_q(user))
    if visible is None:
        return None
    chain = on_entries(access.chain_q(user))
    in_chain = chain if chain is not None else Q()
    orgs = sorted(access.reader_organisations(user))
    audience = Q(visibility="public") | (Q(visibility="chain") & in_chain)
    if orgs:
        audience |= Q(visibility="organisation", organisation__in=orgs) & in_chain
    return Q(ticket__isnull=False) & visible & audience


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
        qs = qs.filter(ticket_state__in=list(state_in))
    found = matching(qs, q, candidates=CANDIDATES)
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
