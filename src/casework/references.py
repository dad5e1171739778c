"""The course's reference list: one canonical entry per source.

Every case file cites its sources in full (so a file stands on its own), and a test
checks that each citation matches the entry here, so the course never cites the same
work in two ways. ``docs/references.md`` is written from this list.
"""

from __future__ import annotations

REFERENCES: dict[str, str] = {
    "ferguson": (
        "Ferguson, H., Warwick, L., Disney, T., Leigh, J., Singh Cooner, T. and Beddoe, L. "
        "(2022) 'Relationship-based practice and the creation of therapeutic change in "
        "long-term work: social work as a holding relationship', Social Work Education, 41(2), "
        "pp. 209-227. The course worked from the authors' accepted manuscript, titled '... in "
        "long-term work with children and families: social work as a holding relationship'."
    ),
    "ruch": (
        "Ruch, G. (n.d.) Practising relationship-based social work. Knowledge Briefing, "
        "Practice Supervisor Development Programme. Dartington: Research in Practice, funded "
        "by the Department for Education. (The briefing gives no date.)"
    ),
    "mason": (
        "Mason, C. (2012) 'Social work the \"art of relationship\": parents' perspectives on an "
        "intensive family support project', Child & Family Social Work, 17(3), pp. 368-377."
    ),
    "basw": (
        "BASW England (2022) 'Social work, the pandemic and relationship-based practice in a "
        "changing world', Session 1 webinar slides, World Social Work Month, 8 March 2022. "
        "Birmingham: British Association of Social Workers."
    ),
    "pitt": (
        "Pitt, C. (2020) 'Working better together: how do we build stronger relationships "
        "between social workers and people using services?', essay by a social work student, "
        "University of Cardiff, fifth edition, 14 July 2020."
    ),
}

#: Where each source can be found, when it is public.
LINKS: dict[str, str] = {
    "ruch": "https://practice-supervisors.rip.org.uk/",
}


def references_markdown() -> str:
    """The reference list as markdown, for docs/references.md and the course's page."""
    lines = [
        "# References",
        "",
        "Everything the course teaches is grounded in these documents. The names in the cases",
        "are the pseudonyms the researchers chose; the course retells the cases in its own words.",
        "",
    ]
    for key in sorted(REFERENCES, key=lambda k: REFERENCES[k]):
        link = f" <{LINKS[key]}>" if key in LINKS else ""
        lines.append(f"- {REFERENCES[key]}{link} (`{key}`)")
    return "\n".join(lines) + "\n"
