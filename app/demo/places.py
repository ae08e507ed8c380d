"""The demo network's regions, territories and towns (real places, invented dealers)."""

from __future__ import annotations

NETWORK = ("NETZ", "Landtechnik-Verbund")

# region code, region name, [(territory code, territory name, [(postal code, town), ...]), ...]
REGIONS: tuple[tuple[str, str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]], ...] = (
    (
        "NORD",
        "Nord",
        (
            (
                "NORD-SH",
                "Schleswig-Holstein und Hamburg",
                (
                    ("24768", "Rendsburg"),
                    ("25746", "Heide"),
                    ("24837", "Schleswig"),
                    ("23795", "Bad Segeberg"),
                    ("25813", "Husum"),
                    ("24211", "Preetz"),
                ),
            ),
            (
                "NORD-NI",
                "Niedersachsen und Bremen",
                (
                    ("49661", "Cloppenburg"),
                    ("27356", "Rotenburg (Wümme)"),
                    ("29525", "Uelzen"),
                    ("49377", "Vechta"),
                    ("31582", "Nienburg"),
                    ("26655", "Westerstede"),
                ),
            ),
        ),
    ),
    (
        "OST",
        "Ost",
        (
            (
                "OST-MB",
                "Mecklenburg-Vorpommern und Brandenburg",
                (
                    ("17033", "Neubrandenburg"),
                    ("18273", "Güstrow"),
                    ("16515", "Oranienburg"),
                    ("17291", "Prenzlau"),
                    ("19370", "Parchim"),
                    ("15848", "Beeskow"),
                ),
            ),
            (
                "OST-ST",
                "Sachsen, Sachsen-Anhalt und Thüringen",
                (
                    ("04720", "Döbeln"),
                    ("39340", "Haldensleben"),
                    ("99310", "Arnstadt"),
                    ("01558", "Großenhain"),
                    ("06217", "Merseburg"),
                    ("07545", "Gera"),
                ),
            ),
        ),
    ),
    (
        "SUED",
        "Süd",
        (
            (
                "SUED-BY",
                "Bayern",
                (
                    ("84028", "Landshut"),
                    ("94315", "Straubing"),
                    ("87700", "Memmingen"),
                    ("91522", "Ansbach"),
                    ("83278", "Traunstein"),
                    ("92224", "Amberg"),
                ),
            ),
            (
                "SUED-BW",
                "Baden-Württemberg",
                (
                    ("88400", "Biberach an der Riß"),
                    ("74523", "Schwäbisch Hall"),
                    ("72488", "Sigmaringen"),
                    ("73430", "Aalen"),
                    ("77652", "Offenburg"),
                    ("97941", "Tauberbischofsheim"),
                ),
            ),
        ),
    ),
    (
        "WEST",
        "West",
        (
            (
                "WEST-NW",
                "Nordrhein-Westfalen",
                (
                    ("48653", "Coesfeld"),
                    ("59494", "Soest"),
                    ("46325", "Borken"),
                    ("33098", "Paderborn"),
                    ("41515", "Grevenbroich"),
                    ("32756", "Detmold"),
                ),
            ),
            (
                "WEST-HR",
                "Hessen, Rheinland-Pfalz und Saarland",
                (
                    ("35390", "Gießen"),
                    ("36037", "Fulda"),
                    ("54290", "Trier"),
                    ("55543", "Bad Kreuznach"),
                    ("34497", "Korbach"),
                    ("66606", "St. Wendel"),
                ),
            ),
        ),
    ),
)

SURNAMES = (
    "Meyer",
    "Schulte",
    "Brandt",
    "Hansen",
    "Wagner",
    "Huber",
    "Köhler",
    "Lorenz",
    "Petersen",
    "Bauer",
    "Wittmann",
    "Albers",
    "Dreyer",
    "Franke",
    "Gerdes",
    "Hinrichs",
    "Jansen",
    "Kramer",
    "Lindner",
    "Mahler",
    "Niemann",
    "Ostermann",
    "Pohl",
    "Reinhardt",
    "Seidel",
    "Thiele",
    "Vogt",
    "Winkler",
    "Zeller",
    "Ebert",
)
NAME_PATTERNS = (
    "{surname} Landtechnik GmbH",
    "Landmaschinen {surname} GmbH & Co. KG",
    "Agrartechnik {town} GmbH",
    "{surname} Land- und Kommunaltechnik",
    "Raiffeisen-Technik {town} eG",
    "{surname} & Söhne Landmaschinen",
)
PARTNER_TYPES = (("Landtechnik", 0.7), ("Land- und Baumaschinen", 0.2), ("Kommunaltechnik", 0.1))
SIZE_CLASSES = (("klein", 0.4), ("mittel", 0.4), ("groß", 0.2))
