"""The publisher's side of the report: the pages Impressum, Datenschutz and Barrierefreiheit,
the Herausgeber block, the key messages and the clickable overview map of the start page.

All of it is written from the config's ``herausgeber:`` block
(:class:`sozialanalyse.model.config.PublisherSettings`) and the district's published values (the
protected layer, :func:`sozialanalyse.pages.common.published_results`). A missing entry reads
"nicht angegeben": nothing is invented. A fictional publisher (``fiktiv: true``, the demo district)
is said to be fictional on every page that names it.

The build (:func:`sozialanalyse.build.report._toc_and_config`) writes the pages into
``book/_generated`` and appends them to the generated table of contents (part "Herausgeber");
:func:`sozialanalyse.build.site.tidy` links them from every page's footer.
"""
from __future__ import annotations

import datetime as _dt
import html
import re

import numpy as np

from ..model.config import PublisherSettings
from ..render.tables import md_escape

__all__ = ["PAGES", "barrierefreiheit_page", "datenschutz_page", "impressum_page", "key_messages",
           "overview_map", "publisher_block"]

#: The publisher's pages: (file name in ``book/_generated`` without ``.md``, title).
PAGES = (("impressum", "Impressum"), ("datenschutz", "Datenschutz"), ("barrierefreiheit", "Erklärung zur Barrierefreiheit"))
_NONE = "nicht angegeben"
_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember")


def _date(day: _dt.date) -> str:
    return f"{day.day}. {_MONTHS[day.month - 1]} {day.year}"


def _or_none(value: str | None) -> str:
    return md_escape(value) if value else f"*{_NONE}*"


def _lines(value: str | None) -> list[str]:
    """A multi-line entry (an address) as Markdown lines ending in a hard break."""
    if not value:
        return [f"*{_NONE}*"]
    rows = [md_escape(r.strip()) for r in value.splitlines() if r.strip()]
    return [r + ("  " if i < len(rows) - 1 else "") for i, r in enumerate(rows)]


def _fiction(p: PublisherSettings) -> list[str]:
    if not p.fiktiv:
        return []
    return [":::{note}", "Der Herausgeber, die Anschrift und alle Kontaktangaben dieses Beispielberichts sind "
            "**fiktiv** (wie seine Daten). Ein realer Bericht nennt hier seinen Herausgeber "
            "(Eintrag `herausgeber` der Konfiguration).", ":::", ""]


def _mail(value: str | None) -> str:
    """An e-mail address as a mailto link (other text as written)."""
    if value and re.fullmatch(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", value):
        return f"[{md_escape(value)}](mailto:{value})"
    return _or_none(value)


def _contact(p: PublisherSettings) -> list[str]:
    out = []
    out.append(f"E-Mail: {_mail(p.email)}  ")
    out.append(f"Telefon: {_or_none(p.telefon)}")
    return out


def publisher_block(p: PublisherSettings) -> list[str]:
    """Markdown lines of the start page's Herausgeber block.

    Examples
    --------
    >>> print("\\n".join(publisher_block(PublisherSettings(name="Landkreis A", email="a@b.example"))))
    ## Herausgeber
    <BLANKLINE>
    Landkreis A  
    *nicht angegeben*
    <BLANKLINE>
    E-Mail: [a\\@b\\.example](mailto:a@b.example)  
    Telefon: *nicht angegeben*
    <BLANKLINE>
    [Impressum](impressum.md) · [Datenschutz](datenschutz.md) · [Erklärung zur Barrierefreiheit](barrierefreiheit.md)
    <BLANKLINE>
    """
    return ["## Herausgeber", "", f"{_or_none(p.name)}  ", *_lines(p.anschrift), "", *_contact(p), "",
            " · ".join(f"[{title}]({name}.md)" for name, title in PAGES), ""]


def impressum_page(p: PublisherSettings, title: str) -> str:
    """Markdown of the page Impressum (§ 5 DDG, § 18 Abs. 2 MStV)."""
    lines = ["# Impressum", "", *_fiction(p), f"**{md_escape(title)}**", "", "## Herausgeber", "",
             f"{_or_none(p.name)}  ", *_lines(p.anschrift), "", "## Kontakt", "", *_contact(p), "",
             "## Verantwortlich für den Inhalt", "", "nach § 18 Abs. 2 Medienstaatsvertrag (MStV): "
             + _or_none(p.verantwortlich), "",
             "## Erstellung", "",
             "Alle Seiten, Tabellen, Abbildungen und PDF-Dateien dieses Berichts wurden mit dem quelloffenen Programm "
             "*sozialanalyse* aus den Daten des Berichts erzeugt; wie jede Zahl entstand, steht im Teil "
             "*Daten und Methoden*.", ""]
    return "\n".join(lines)


def datenschutz_page(p: PublisherSettings) -> str:
    """Markdown of the page Datenschutz: the config's text, else what the site itself does."""
    text = md_escape(p.datenschutz) if p.datenschutz else (
        "Diese Website besteht aus statischen Seiten. Sie setzt keine Cookies, bindet keine Schriften, "
        "Skripte oder Inhalte anderer Anbieter ein und erhebt selbst keine Daten über ihre Leserinnen und "
        "Leser. Der Webserver, der die Seiten ausliefert, kann technisch notwendige Zugriffsdaten "
        "protokollieren; dafür gilt die Datenschutzerklärung des Herausgebers.")
    lines = ["# Datenschutz", "", *_fiction(p), text, ""]
    lines += ["## Was diese Website selbst speichert", "",
              "Im Browser wird nur die Einstellung des Farbmodus (immer „hell“) im lokalen Speicher abgelegt; "
              "sie verlässt den Browser nicht. Die Suche läuft vollständig im Browser.", "",
              "## Verantwortliche Stelle", "", f"{_or_none(p.name)}  ", *_lines(p.anschrift), "", *_contact(p), ""]
    if p.datenschutz_url:
        lines += [f"Die vollständige Datenschutzerklärung des Herausgebers: <{p.datenschutz_url}>", ""]
    return "\n".join(lines)


def barrierefreiheit_page(p: PublisherSettings, day: _dt.date) -> str:
    """Markdown of the accessibility statement (BITV 2.0, § 12b BGG and the Länder's laws).

    It says what is known, not a promise: the state of the site as the project's browser tests
    check it, the parts that are not fully accessible, the contact and the enforcement body.
    """
    contact = _mail(p.barrierefreiheit_kontakt or p.email)
    lines = ["# Erklärung zur Barrierefreiheit", "", *_fiction(p),
             f"{_or_none(p.name)} ist bemüht, diesen Bericht im Einklang mit der Barrierefreie-"
             "Informationstechnik-Verordnung (BITV 2.0) und der europäischen Norm EN 301 549 barrierefrei "
             "zugänglich zu machen.", "",
             "## Stand der Vereinbarkeit", "",
             "Dieser Bericht ist **teilweise** mit den Anforderungen vereinbar. Er wurde nicht von einer "
             "unabhängigen Stelle geprüft; die Angaben beruhen auf einer Selbstbewertung und den automatischen "
             "Prüfungen des Programms *sozialanalyse* im Browser.", "",
             "## Was barrierefrei ist", "",
             "- Die Seiten sind in deutscher Sprache ausgezeichnet (Silbentrennung, Vorlesen) und nur im hellen "
             "Farbmodus dargestellt.",
             "- Jede Tabelle ist eine echte HTML-Tabelle mit Überschrift; breite Tabellen lassen sich auf dem "
             "Telefon in sich seitlich verschieben, ohne dass die Seite verrutscht, und mit der Tastatur "
             "erreichen. Jede Tabelle gibt es zusätzlich als CSV- und Excel-Datei.",
             "- Besser und schlechter als der Landkreis werden durch Symbol und Wort gezeigt, nicht nur durch "
             "Farbe.", "",
             "## Was nicht barrierefrei ist", "",
             "- Diagramme sind Bilder; ihre Werte stehen in den Tabellen daneben, die Bildbeschreibungen sind "
             "knapp.",
             "- Die Karten sind mit der Maus und der Tastatur bedienbar, aber für Screenreader nur über ihre "
             "Tabellen erschlossen.",
             "- Die PDF-Dateien sind Drucke der Webseiten; sie sind nicht auf Barrierefreiheit (PDF/UA) geprüft. "
             "Die Webseiten enthalten dieselben Inhalte.", "",
             "## Erstellung dieser Erklärung", "",
             f"Diese Erklärung wurde am {_date(day)} mit dem Bericht erstellt.", "",
             "## Barrieren melden: Kontakt", "",
             f"Wenn Ihnen Barrieren auffallen oder Sie Inhalte in einer anderen Form brauchen, schreiben Sie an: "
             f"{contact}", "",
             "## Schlichtungsverfahren", "",
             "Wenn Sie auf Ihre Meldung keine zufriedenstellende Antwort erhalten, können Sie sich an die "
             "Schlichtungsstelle wenden: " + _or_none(p.schlichtungsstelle), ""]
    return "\n".join(lines)


def key_messages(district, year: int, ids=("sgb2_quote", "kinderarmut", "anteil_65plus")) -> list[str]:
    """Three to five key messages of the start page (Markdown list items), from the published
    values of the Kreis and its municipalities (suppressed values are left out and counted).

    Each message names the Kreis value and the range over the municipalities with their names;
    an indicator without a published Kreis value is left out.
    """
    from ..pages.common import format_value, published_results
    from ..protected import layer as protected_layer
    from ..stats import indicators

    kreis = str(district.kreis["area_id"])
    munis = [str(a) for a in district.municipalities()["area_id"]]
    out = []
    pop = protected_layer.of(district).counts({"variable": "einwohner"}, area_ids=[kreis], years=[year])
    if len(pop) and not str(pop["status"].iloc[0] or "") and not np.isnan(pop["value"].iloc[0]):
        from ..render import fmt
        out.append(f"Im {md_escape(district.name_of(kreis))} lebten {year} {fmt.num(pop['value'].iloc[0])} "
                   f"Menschen in {len(munis)} Städten, Gemeinden und Samtgemeinden.")
    cat = indicators.catalog(indicators.district_catalog(district)).set_index("id")
    ids = [i for i in ids if i in cat.index]
    res = published_results(district, ids, ["gemeindeverband", "kreis"], years=[year])
    def value(x, unit):  # a non-breaking space before the unit: "10,0 %" never breaks apart
        return format_value(x, unit).replace(" ", "\u00a0")

    for i in ids:
        r = res[res["indicator"] == i].drop_duplicates("area_id").set_index("area_id")
        unit = str(cat.loc[i, "unit"])
        if kreis not in r.index or r.loc[kreis, "status"] or np.isnan(r.loc[kreis, "value"]):
            continue
        m = r.loc[[a for a in munis if a in r.index]]
        shown = m[(m["status"] == "") & m["value"].notna()]
        text = f"**{md_escape(str(cat.loc[i, 'name']))}** {year}: im Landkreis {value(r.loc[kreis, 'value'], unit)}"
        if len(shown) >= 2:
            lo, hi = shown["value"].idxmin(), shown["value"].idxmax()
            text += (f"; in den Städten und Gemeinden von {value(shown.loc[lo, 'value'], unit)} "
                     f"({md_escape(district.name_of(lo))}) bis {value(shown.loc[hi, 'value'], unit)} "
                     f"({md_escape(district.name_of(hi))})")
            held = len(m) - len(shown)
            if held:
                text += f", ohne {held} nicht veröffentlichte Werte"
        out.append(text + ".")
    return out[:5]


def overview_map(district, hrefs: dict[str, str], width: int = 640) -> str:
    """An inline SVG map of the municipalities, each a link to its profile (``hrefs``: area key
    -> URL; areas without a link are drawn but not linked), with the names written in; one line
    of HTML for a Markdown page."""
    from ..render.maps import _path  # the same path data as the report's other maps

    geo = district.geometry
    shapes = geo[geo["kind"].isin(["Stadt", "Einheitsgemeinde", "Samtgemeinde"])]
    if shapes.empty:
        return ""
    x0, y0, x1, y1 = shapes.total_bounds
    s = width / (x1 - x0) if x1 > x0 else 1.0
    height = round((y1 - y0) * s, 1)

    def transform(xy):
        return np.column_stack([(xy[:, 0] - x0) * s, (y1 - xy[:, 1]) * s])

    parts = [f'<svg class="sa-overview-map" viewBox="-4 -4 {width + 8} {height + 8:g}" role="group" '
             f'aria-label="Karte der Städte, Gemeinden und Samtgemeinden: jede führt zu ihrem Gemeindeprofil" '
             'xmlns="http://www.w3.org/2000/svg">']
    labels = []
    for geom, key, name in zip(shapes.geometry, shapes["area_id"], shapes["name"]):
        d = _path(geom.simplify(0.2 / s, preserve_topology=True), transform)
        name = html.escape(str(name), quote=True)
        shape = f'<path class="sa-overview-area" d="{d}" fill="#dbe7f3" stroke="#4a6a8a" stroke-width="1"/>'
        q = geom.representative_point()
        px, py = transform(np.array([[q.x, q.y]]))[0]
        label = (f'<text x="{px:.1f}" y="{py:.1f}" text-anchor="middle" font-size="13" fill="#1a1a1a" '
                 f'style="pointer-events:none">{name}</text>')
        href = hrefs.get(str(key))
        if href:
            parts.append(f'<a href="{html.escape(href, quote=True)}" aria-label="Gemeindeprofil {name}">'
                         f"<title>{name}</title>{shape}</a>")
        else:
            parts.append(shape)
        labels.append(label)
    parts += labels + ["</svg>"]
    return ('<figure class="sa-overview"><figcaption>Übersichtskarte: ein Klick auf eine Stadt oder Gemeinde '
            'öffnet ihr Gemeindeprofil</figcaption><div class="sa-overview-frame">' + "".join(parts) + "</div></figure>")
