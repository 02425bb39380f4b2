#!/usr/bin/env python3
"""Writes the differential i18n test's own catalogs (tests/checks/dialects-i18n.sh):
locale/<lang>/LC_MESSAGES/site.po for English, French, Polish, Arabic, Japanese (five plural
families), German and de_AT (the regional fallback), and Finnish (a language the built-in
theme does not have: only the site's catalogs translate it). The check copies each to the Django
domain (django.po) and the Jinja2 one (messages.po) and compiles them with msgfmt.

    make_catalogs.py OUT_DIR
"""
import os
import sys

PLURALS = {
    "en": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ar": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;",
    "ja": "nplurals=1; plural=0;",
    "de": "nplurals=2; plural=(n != 1);",
    "de_AT": "nplurals=2; plural=(n != 1);",
    "fi": "nplurals=2; plural=(n != 1);",
}
# A fuzzy header (as makemessages writes on a new catalog): its Plural-Forms still applies.
FUZZY_HEADER = {"pl", "de_AT"}

# (context, msgid, msgstr) and (context, msgid, msgid_plural, [msgstr...]); "fuzzy" marks.
S = {
    "en": [
        (None, "The shop is resting", "The shop is having a rest"),
    ],
    "fr": [
        (None, "English", "Anglais"),
        (None, "The shop is resting", "La boutique se repose"),
        (None, "Back soon", "De retour bientôt"),
        (None, "French only", "Seulement en français"),
        (None, "Hello %(name)s, error %(code)s happened", "Bonjour %(name)s, l’erreur %(code)s est survenue"),
        ("door", "Open", "Ouvrir"),
        ("shop", "Open", "Ouvert"),
        (None, "Terms & <conditions>", "Conditions & <générales>"),
        ("fuzzy", None, "Fuzzy line", "Ligne floue"),
        (None, "Status %(code)s for %(who)s", "Statut %(code)s pour %(who)s"),
        ("page", "Try again later", "Réessayez plus tard"),
    ],
    "pl": [
        (None, "English", "angielski"),
        (None, "The shop is resting", "Sklep odpoczywa"),
        (None, "Back soon", "Zaraz wracamy"),
        (None, "Hello %(name)s, error %(code)s happened", "Cześć %(name)s, wystąpił błąd %(code)s"),
        ("door", "Open", "Otwórz"),
        (None, "Status %(code)s for %(who)s", "Status %(code)s dla %(who)s"),
    ],
    "ar": [
        (None, "English", "الإنجليزية"),
        (None, "The shop is resting", "المتجر في استراحة"),
        (None, "Back soon", "سنعود قريبًا"),
        (None, "Hello %(name)s, error %(code)s happened", "مرحبًا %(name)s، حدث الخطأ %(code)s"),
        ("door", "Open", "افتح"),
        ("shop", "Open", "مفتوح"),
        ("page", "Try again later", "حاول مرة أخرى لاحقًا"),
    ],
    "ja": [
        (None, "English", "英語"),
        (None, "The shop is resting", "ただいま休業中です"),
        (None, "Back soon", "まもなく再開します"),
        (None, "Hello %(name)s, error %(code)s happened", "%(name)s さん、エラー %(code)s が発生しました"),
        ("shop", "Open", "営業中"),
        (None, "Terms & <conditions>", "利用規約 & <条件>"),
    ],
    "de": [
        (None, "English", "Englisch"),
        (None, "The shop is resting", "Der Laden ruht"),
        (None, "Back soon", "Bald zurück"),
        (None, "Only German knows this", "Nur Deutsch kennt das"),
        (None, "Hello %(name)s, error %(code)s happened", "Hallo %(name)s, Fehler %(code)s ist aufgetreten"),
        ("door", "Open", "Öffnen"),
        ("shop", "Open", "Geöffnet"),
        ("fuzzy", None, "Fuzzy line", "Unscharfe Zeile"),
        (None, "Status %(code)s for %(who)s", "Status %(code)s für %(who)s"),
        ("page", "Try again later", "Versuchen Sie es später"),
    ],
    "de_AT": [
        (None, "English", "Englisch (AT)"),
        (None, "The shop is resting", "Das Geschäft rastet"),
        (None, "Austrian only", "Nur in Österreich"),
        ("shop", "Open", "Offen"),
        ("fuzzy", "page", "Try again later", "Probieren S' es später"),
    ],
    "fi": [
        (None, "English", "englanti"),
        (None, "The shop is resting", "Kauppa lepää"),
        (None, "Back soon", "Palaamme pian"),
        (None, "Hello %(name)s, error %(code)s happened", "Hei %(name)s, tapahtui virhe %(code)s"),
        ("door", "Open", "Avaa"),
        ("shop", "Open", "Avoinna"),
        ("fuzzy", None, "Fuzzy line", "Epäselvä rivi"),
        (None, "Status %(code)s for %(who)s", "Tila %(code)s käyttäjälle %(who)s"),
        ("page", "Try again later", "Yritä myöhemmin uudelleen"),
    ],
}
P = {
    "en": [
        (None, "%(counter)s parcel is waiting", "%(counter)s parcels are waiting",
         ["%(counter)s parcel waits", "%(counter)s parcels wait"]),
        (None, "%(num)d item left", "%(num)d items left", ["%(num)d item remains", "%(num)d items remain"]),
        ("minutes", "%(counter)s minute", "%(counter)s minutes", ["%(counter)s min", "%(counter)s mins"]),
    ],
    "fr": [
        (None, "%(counter)s parcel is waiting", "%(counter)s parcels are waiting",
         ["%(counter)s colis attend", "%(counter)s colis attendent"]),
        (None, "%(num)d item left", "%(num)d items left", ["%(num)d article restant", "%(num)d articles restants"]),
        ("minutes", "%(counter)s minute", "%(counter)s minutes", ["%(counter)s minute", "%(counter)s minutes"]),
    ],
    "pl": [
        (None, "%(counter)s parcel is waiting", "%(counter)s parcels are waiting",
         ["%(counter)s paczka czeka", "%(counter)s paczki czekają", "%(counter)s paczek czeka"]),
        (None, "%(num)d item left", "%(num)d items left",
         ["Został %(num)d produkt", "Zostały %(num)d produkty", "Zostało %(num)d produktów"]),
        ("minutes", "%(counter)s minute", "%(counter)s minutes",
         ["%(counter)s minuta", "%(counter)s minuty", "%(counter)s minut"]),
    ],
    "ar": [
        (None, "%(counter)s parcel is waiting", "%(counter)s parcels are waiting",
         ["لا طرود (%(counter)s)", "طرد واحد ينتظر", "طردان ينتظران", "%(counter)s طرود تنتظر",
          "%(counter)s طردًا ينتظر", "%(counter)s طرد ينتظر"]),
        (None, "%(num)d item left", "%(num)d items left",
         ["لم يبق شيء (%(num)d)", "بقي عنصر واحد", "بقي عنصران", "بقيت %(num)d عناصر",
          "بقي %(num)d عنصرًا", "بقي %(num)d عنصر"]),
        ("minutes", "%(counter)s minute", "%(counter)s minutes",
         ["%(counter)s دقائق (0)", "دقيقة واحدة", "دقيقتان", "%(counter)s دقائق", "%(counter)s دقيقة", "%(counter)s دقيقةً"]),
    ],
    "ja": [
        (None, "%(counter)s parcel is waiting", "%(counter)s parcels are waiting", ["%(counter)s 個の荷物が待っています"]),
        (None, "%(num)d item left", "%(num)d items left", ["残り %(num)d 点"]),
        ("minutes", "%(counter)s minute", "%(counter)s minutes", ["%(counter)s 分"]),
    ],
    "de": [
        (None, "%(counter)s parcel is waiting", "%(counter)s parcels are waiting",
         ["%(counter)s Paket wartet", "%(counter)s Pakete warten"]),
        ("fuzzy", None, "%(num)d item left", "%(num)d items left", ["%(num)d Artikel übrig", "%(num)d Artikel übrig (viele)"]),
        ("minutes", "%(counter)s minute", "%(counter)s minutes", ["%(counter)s Minute", "%(counter)s Minuten"]),
    ],
    "de_AT": [
        (None, "%(counter)s parcel is waiting", "%(counter)s parcels are waiting",
         ["%(counter)s Packerl wartet", "%(counter)s Packerln warten"]),
    ],
    "fi": [
        (None, "%(counter)s parcel is waiting", "%(counter)s parcels are waiting",
         ["%(counter)s paketti odottaa", "%(counter)s pakettia odottaa"]),
        (None, "%(num)d item left", "%(num)d items left", ["%(num)d tuote jäljellä", "%(num)d tuotetta jäljellä"]),
        ("minutes", "%(counter)s minute", "%(counter)s minutes", ["%(counter)s minuutti", "%(counter)s minuuttia"]),
    ],
}


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main():
    out = sys.argv[1]
    for lang, plural in PLURALS.items():
        lines = []
        if lang in FUZZY_HEADER:
            lines.append("#, fuzzy")
        lines += ['msgid ""', 'msgstr ""', q("Project-Id-Version: downpage i18n test\\n"[:-2] + "\n"),
                  q("Language: %s\n" % lang), q("MIME-Version: 1.0\n"),
                  q("Content-Type: text/plain; charset=UTF-8\n"), q("Content-Transfer-Encoding: 8bit\n"),
                  q("Plural-Forms: %s\n" % plural), ""]
        for e in S.get(lang, []):
            fuzzy = e[0] == "fuzzy"
            ctx, msgid, msgstr = e[1:] if fuzzy else e
            if fuzzy:
                lines.append("#, fuzzy")
            if ctx:
                lines.append("msgctxt " + q(ctx))
            lines += ["msgid " + q(msgid), "msgstr " + q(msgstr), ""]
        for e in P.get(lang, []):
            fuzzy = e[0] == "fuzzy"
            ctx, msgid, plural_id, forms = e[1:] if fuzzy else e
            if fuzzy:
                lines.append("#, fuzzy")
            if ctx:
                lines.append("msgctxt " + q(ctx))
            lines += ["msgid " + q(msgid), "msgid_plural " + q(plural_id)]
            lines += ["msgstr[%d] %s" % (i, q(f)) for i, f in enumerate(forms)]
            lines.append("")
        d = os.path.join(out, lang, "LC_MESSAGES")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "site.po"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines))


main()
