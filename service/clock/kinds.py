"""The vocabulary of the foreclosure clock: deadline kinds, event types, stages and outcomes.

Names here are part of the public contract: the API lists them
(`GET /deadline-kinds`, `GET /stages`) and stores them, so they never change spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

BINDS = ("borrower", "servicer", "lender", "court")
SEVERITIES = ("grave", "informational")
DEADLINE_STATUSES = ("open", "met", "missed", "waived", "tolled")  # waived: only ever set by a user

# Event types, exactly as in the contract.
EVENT_TYPES = (
    "first_missed_payment",
    "pre_foreclosure_notice_sent",
    "loss_mit_application_received",
    "loss_mit_application_complete",
    "loss_mit_denied",
    "loss_mit_appeal_filed",
    "notice_of_default_recorded",
    "complaint_filed",
    "complaint_served",
    "answer_filed",
    "judgment_entered",
    "sale_scheduled",
    "sale_held",
    "deed_delivered",
    "sale_confirmed",
    "deficiency_action_filed",
    "deficiency_judgment_entered",
    "bankruptcy_filed",
    "bankruptcy_closed",
    "military_service_ended",
    "notice_of_error_sent",
    "request_for_information_sent",
    "servicer_acknowledged",
    "servicer_responded",
    "reinstated",
    "modification_approved",
    "short_sale_closed",
    "deed_in_lieu_recorded",
    # Later additions (not in the original list): state-specific steps that start deadlines.
    "notice_of_sale_published",  # first publication of the notice of sale (a first notice in some states)
    "notice_of_sale_served",  # notice of sale served or mailed on the borrower
    "law_day",  # Connecticut strict foreclosure: occurred_on is the owner's law day
    "auditor_report_ratified",  # Maryland: the court ratified the auditor's report
    "certificate_of_title_issued",  # Florida: the clerk issued the certificate of title
    "sale_objection_filed",  # New Jersey: an objection to the sheriff's sale was filed
    "loss_mit_option_offered",  # an approved loss-mitigation option other than a final modification
)

STAGES = (
    "intake",
    "delinquent",
    "pre_foreclosure",
    "loss_mitigation",
    "foreclosure_filed",
    "sale_scheduled",
    "sale_held",
    "redemption",
    "post_sale",
    "closed",
)

OUTCOMES = ("reinstated", "modified", "short_sale", "deed_in_lieu", "foreclosed", "dismissed", "other")

# Events that resolve the case, and the outcome each one records.
OUTCOME_EVENTS = MappingProxyType(
    {
        "reinstated": "reinstated",
        "modification_approved": "modified",
        "short_sale_closed": "short_sale",
        "deed_in_lieu_recorded": "deed_in_lieu",
    }
)


@dataclass(frozen=True)
class DeadlineKind:
    kind: str
    title: str
    binds: str  # default party the deadline binds
    severity: str  # "grave": a court, sale or borrower deadline; "informational": the other side's clock
    description: str
    # Deadlines a bankruptcy stay tolls (11 U.S.C. § 362(a)): the foreclosure ones.
    foreclosure: bool = False


_KINDS = [
    DeadlineKind(
        "reg_x_120_day_mark",
        "Regulation X 120-day mark (first foreclosure notice or filing allowed)",
        "servicer",
        "informational",
        "The first day the servicer may make the first notice or filing for foreclosure: the loan must be "
        "more than 120 days delinquent (12 CFR 1024.41(f)(1)). A filing before it is a possible violation.",
    ),
    DeadlineKind(
        "early_intervention_live_contact",
        "Early intervention: live contact",
        "servicer",
        "informational",
        "The servicer must establish or make good-faith efforts to establish live contact by the 36th day "
        "of delinquency (12 CFR 1024.39(a)).",
    ),
    DeadlineKind(
        "early_intervention_written_notice",
        "Early intervention: written notice",
        "servicer",
        "informational",
        "The servicer must send the written early-intervention notice by the 45th day of delinquency "
        "(12 CFR 1024.39(b)).",
    ),
    DeadlineKind(
        "answer_due",
        "Answer to the foreclosure complaint due",
        "borrower",
        "grave",
        "Last day to answer the foreclosure complaint in a judicial foreclosure, rolled forward to the next court day.",
        foreclosure=True,
    ),
    DeadlineKind(
        "loss_mit_acknowledgment_due",
        "Servicer must acknowledge the loss-mitigation application",
        "servicer",
        "informational",
        "Written acknowledgment, saying whether the application is complete, within 5 business days of "
        "an application received 45 days or more before a sale (12 CFR 1024.41(b)(2)(i)(B)).",
    ),
    DeadlineKind(
        "loss_mit_evaluation_due",
        "Servicer must evaluate the complete loss-mitigation application",
        "servicer",
        "informational",
        "Evaluation within 30 days of a complete application received more than 37 days before a sale "
        "(12 CFR 1024.41(c)(1)).",
    ),
    DeadlineKind(
        "loss_mit_appeal_due",
        "Appeal of the loss-mitigation denial due",
        "borrower",
        "grave",
        "The borrower may appeal a loan-modification denial within 14 days when the complete application "
        "came 90 days or more before a sale (12 CFR 1024.41(h)).",
    ),
    DeadlineKind(
        "loss_mit_sale_protection",
        "No foreclosure sale while the complete application is pending",
        "servicer",
        "informational",
        "A complete application received more than 37 days before the sale bars the sale, judgment or "
        "order of sale until it is resolved (12 CFR 1024.41(g)).",
    ),
    DeadlineKind(
        "redemption_period_end",
        "Statutory redemption period ends",
        "borrower",
        "grave",
        "Last day of the post-sale statutory right of redemption.",
        foreclosure=True,
    ),
    DeadlineKind(
        "reinstatement_period_end",
        "Right to reinstate (cure) ends",
        "borrower",
        "grave",
        "Last day to reinstate the loan by curing the default before the sale or judgment (a pre-sale "
        "right to cure, e.g. 735 ILCS 5/15-1602).",
        foreclosure=True,
    ),
    DeadlineKind(
        "fair_value_action_deadline",
        "Debtor's fair-value action must be filed",
        "borrower",
        "grave",
        "Last day for the debtor to sue to have the property's fair market value determined and credited "
        "after the sale (e.g. Tex. Prop. Code § 51.004(b)).",
        foreclosure=True,
    ),
    DeadlineKind(
        "loss_mit_offer_acceptance_due",
        "Accept or reject the loss-mitigation offer",
        "borrower",
        "grave",
        "The servicer may treat the borrower as rejecting an offered loss-mitigation option not accepted "
        "by this day (12 CFR 1024.41(e)(1)): at least 14 days after the offer, or 7 days when the complete "
        "application came 37 to 90 days before a sale.",
    ),
    DeadlineKind(
        "deficiency_filing_deadline",
        "Lender's time to seek a deficiency ends",
        "lender",
        "informational",
        "Last day for the lender to seek a deficiency judgment after the sale; a later action is a defense.",
        foreclosure=True,
    ),
    DeadlineKind(
        "servicer_acknowledgment_due",
        "Servicer must acknowledge the notice of error / information request",
        "servicer",
        "informational",
        "Written acknowledgment within 5 business days (12 CFR 1024.35(d), 1024.36(c)).",
    ),
    DeadlineKind(
        "servicer_response_due",
        "Servicer must respond to the notice of error / information request",
        "servicer",
        "informational",
        "Response within 30 business days, extendable once by 15 (12 CFR 1024.35(e)(3), 1024.36(d)(2)).",
    ),
    DeadlineKind(
        "scra_protection_end",
        "SCRA foreclosure protection ends",
        "lender",
        "informational",
        "A sale or foreclosure without a court order is invalid during military service and for one year "
        "after it (50 U.S.C. § 3953(c)); this is the last protected day.",
    ),
    DeadlineKind(
        "sale_date",
        "Foreclosure sale",
        "borrower",
        "grave",
        "The scheduled foreclosure sale: the last day to stop it (cure, reinstatement, injunction, bankruptcy).",
        foreclosure=True,
    ),
    DeadlineKind(
        "state_notice_period_end",
        "State pre-foreclosure waiting period ends",
        "lender",
        "informational",
        "The end of a state-law waiting period after a required notice; the next foreclosure step may not "
        "happen earlier.",
        foreclosure=True,
    ),
    DeadlineKind(
        "waiver_follow_up",
        "Follow up on the deficiency waiver request",
        "borrower",
        "informational",
        "A reminder to follow up on a deficiency waiver request (set by the service or a user).",
    ),
    DeadlineKind("manual", "Manual deadline", "borrower", "grave", "A deadline entered by a user."),
]

DEADLINE_KINDS: "MappingProxyType[str, DeadlineKind]" = MappingProxyType({k.kind: k for k in _KINDS})

# Kinds tolled by an open bankruptcy (11 U.S.C. § 362(a)).
FORECLOSURE_KINDS = frozenset(k.kind for k in _KINDS if k.foreclosure)


def deadline_kind(kind: str) -> DeadlineKind:
    try:
        return DEADLINE_KINDS[kind]
    except KeyError:
        raise KeyError(f"unknown deadline kind {kind!r}") from None
