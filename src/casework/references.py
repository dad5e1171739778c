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

#: Statute, statutory guidance and public health and safety guidance the cases' notes on law
#: and procedure cite: public facts, listed apart from the research the course retells.
LAW: dict[str, str] = {
    "children_act_1989": (
        "Children Act 1989 (c. 41), in particular sections 17 (services for children in need), "
        "20 (accommodation), 22 (duties to looked-after children), 31 (care and supervision "
        "orders), 34 (contact with children in care) and 47 (the duty to investigate)."
    ),
    "working_together_2023": (
        "HM Government (2023) Working Together to Safeguard Children 2023: a guide to "
        "multi-agency working to help, protect and promote the welfare of children. London: "
        "Department for Education."
    ),
    "public_law_outline": (
        "Ministry of Justice, Family Procedure Rules 2010, Practice Direction 12A: Care, "
        "Supervision and other Part 4 Proceedings: Guide to Case Management (the Public Law "
        "Outline)."
    ),
    "uk_gdpr": (
        "UK General Data Protection Regulation (Regulation (EU) 2016/679 as retained in UK law), "
        "Article 15 (right of access by the data subject); Data Protection Act 2018, Schedules 2 "
        "and 3 (exemptions: information about other people; serious harm, in social work data)."
    ),
    "hse_lone_working": (
        "Health and Safety Executive (2020) Protecting lone workers: how to manage the risks of "
        "working alone, INDG73 (rev4). Bootle: HSE."
    ),
    "nhs_fever": (
        "NHS (2023) High temperature (fever) in children. NHS website, health A to Z "
        "(when to call NHS 111 and when to call 999)."
    ),
}

#: Where each source can be found, when it is public.
LINKS: dict[str, str] = {
    "ruch": "https://practice-supervisors.rip.org.uk/",
    "children_act_1989": "https://www.legislation.gov.uk/ukpga/1989/41",
    "working_together_2023": "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2",
    "public_law_outline": "https://www.justice.gov.uk/courts/procedure-rules/family/practice_directions/pd_part_12a",
    "uk_gdpr": "https://www.legislation.gov.uk/eur/2016/679/article/15",
    "hse_lone_working": "https://www.hse.gov.uk/pubns/indg73.htm",
    "nhs_fever": "https://www.nhs.uk/conditions/fever-in-children/",
}

#: Every source a case may cite, research and law alike.
ALL_SOURCES: dict[str, str] = {**REFERENCES, **LAW}


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
    lines += [
        "",
        "## Law, statutory guidance and public guidance",
        "",
        "The cases' notes on law and procedure cite these (England; check the current versions",
        "before teaching from them, as guidance is revised).",
        "",
    ]
    for key in sorted(LAW, key=lambda k: LAW[k]):
        link = f" <{LINKS[key]}>" if key in LINKS else ""
        lines.append(f"- {LAW[key]}{link} (`{key}`)")
    return "\n".join(lines) + "\n"
