"""The graph model of ``shared/spec/model.md`` in code.

Labels, relationship types and every closed vocabulary live here as enums, so
that loaders validate against one source and Cypher never interpolates a label
that did not come from this module.
"""

from __future__ import annotations

from enum import StrEnum


class Label(StrEnum):
    """Node labels. Every node has a string ``id`` unique within its label and a ``name``."""

    AREA = "Area"
    PROVINCE = "Province"
    CITY = "City"
    DISTRICT = "District"
    STREET = "Street"
    TOWN = "Town"
    COMMUNITY = "Community"
    VILLAGE = "Village"
    REGION = "Region"
    NEIGHBORHOOD = "Neighborhood"
    GRID = "Grid"
    BUILDING = "Building"
    PARTY_ORG = "PartyOrg"
    UNIT = "Unit"
    AGREEMENT = "Agreement"
    GRID_WORKER = "GridWorker"
    RESOURCE = "Resource"
    DEMAND = "Demand"
    PROJECT = "Project"
    MEMBER = "Member"
    DOCUMENT = "Document"
    STATEMENT = "Statement"
    MECHANISM = "Mechanism"


class Rel(StrEnum):
    """Relationship types."""

    PART_OF = "PART_OF"
    SPANS = "SPANS"
    LEADS = "LEADS"
    SEATED_IN = "SEATED_IN"
    COVERS = "COVERS"
    LOCATED_IN = "LOCATED_IN"
    HAS_PARTY_ORG = "HAS_PARTY_ORG"
    MEMBER_OF = "MEMBER_OF"
    PARTY_TO = "PARTY_TO"
    ASSIGNED_TO = "ASSIGNED_TO"
    OFFERS = "OFFERS"
    RAISES = "RAISES"
    ADDRESSES = "ADDRESSES"
    USES = "USES"
    CLAIMS = "CLAIMS"
    REPORTED_TO = "REPORTED_TO"
    WORKS_AT = "WORKS_AT"
    FROM = "FROM"
    ABOUT = "ABOUT"
    MENTIONED_IN = "MENTIONED_IN"
    PRACTICES = "PRACTICES"


class Level(StrEnum):
    """Area levels; each is also the area's second label (``level`` = label in lower case)."""

    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    TOWN = "town"
    COMMUNITY = "community"
    VILLAGE = "village"
    REGION = "region"
    NEIGHBORHOOD = "neighborhood"
    GRID = "grid"
    BUILDING = "building"

    @property
    def label(self) -> Label:
        return Label(self.value.capitalize())


#: Area levels from the top of the hierarchy down (maps lay rings out in this order).
LEVEL_ORDER: tuple[Level, ...] = (
    Level.PROVINCE,
    Level.CITY,
    Level.DISTRICT,
    Level.REGION,
    Level.STREET,
    Level.TOWN,
    Level.COMMUNITY,
    Level.VILLAGE,
    Level.NEIGHBORHOOD,
    Level.GRID,
    Level.BUILDING,
)

#: How deep a level sits (0 = province); levels that are peers share a rank (a region spans streets).
LEVEL_RANK: dict[str, int] = {
    Level.PROVINCE: 0,
    Level.CITY: 1,
    Level.DISTRICT: 2,
    Level.REGION: 3,
    Level.STREET: 3,
    Level.TOWN: 3,
    Level.COMMUNITY: 4,
    Level.VILLAGE: 4,
    Level.NEIGHBORHOOD: 5,
    Level.GRID: 6,
    Level.BUILDING: 7,
}


class OrgKind(StrEnum):
    """``PartyOrg.kind``."""

    DISTRICT_COMMITTEE = "district_committee"
    STREET_WORKING_COMMITTEE = "street_working_committee"
    COMMUNITY_PARTY_ORG = "community_party_org"
    GRID_PARTY_BRANCH = "grid_party_branch"
    BUILDING_PARTY_GROUP = "building_party_group"
    MEMBER_HOUSEHOLD = "member_household"
    REGIONAL_PARTY_COMMITTEE = "regional_party_committee"
    STREET_JOINT_COMMITTEE = "street_joint_committee"
    COMMUNITY_JOINT_COMMITTEE = "community_joint_committee"
    GRID_JOINT_BRANCH = "grid_joint_branch"
    UNIT_PARTY_ORG = "unit_party_org"
    TEMPORARY_BRANCH = "temporary_branch"


#: The joint ("big") committees that resident units sit on.
JOINT_COMMITTEE_KINDS: tuple[OrgKind, ...] = (
    OrgKind.STREET_JOINT_COMMITTEE,
    OrgKind.COMMUNITY_JOINT_COMMITTEE,
    OrgKind.GRID_JOINT_BRANCH,
    OrgKind.REGIONAL_PARTY_COMMITTEE,
)


class Sector(StrEnum):
    """``Unit.sector`` (extraction.md)."""

    AGENCY = "agency"
    SOE = "soe"
    PRIVATE_ENTERPRISE = "private_enterprise"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    SOCIAL_ORG = "social_org"
    PROPERTY_COMPANY = "property_company"
    OWNERS_COMMITTEE = "owners_committee"
    POLICE_STATION = "police_station"
    MERCHANT = "merchant"
    OTHER = "other"


class CountCategory(StrEnum):
    """``Statement.category``: what a number a document states counts (extraction.md)."""

    STREET = "street"
    TOWN = "town"
    COMMUNITY = "community"
    VILLAGE = "village"
    GRID = "grid"
    GRID_UNIT = "grid_unit"
    STREET_WORKING_COMMITTEE = "street_working_committee"
    COMMUNITY_PARTY_ORG = "community_party_org"
    GRID_PARTY_BRANCH = "grid_party_branch"
    BUILDING_PARTY_GROUP = "building_party_group"
    MEMBER_HOUSEHOLD = "member_household"
    PARTY_ORG = "party_org"
    PARTY_MEMBER = "party_member"
    STREET_JOINT_COMMITTEE = "street_joint_committee"
    COMMUNITY_JOINT_COMMITTEE = "community_joint_committee"
    GRID_JOINT_BRANCH = "grid_joint_branch"
    REGIONAL_PARTY_COMMITTEE = "regional_party_committee"
    JOINT_COMMITTEE_MEMBER = "joint_committee_member"
    RESIDENT_UNIT = "resident_unit"
    CO_BUILDING_AGREEMENT = "co_building_agreement"
    REPORTING_UNIT_ORG = "reporting_unit_org"
    REPORTING_MEMBER = "reporting_member"
    GRID_WORKER = "grid_worker"
    COMMUNITY_WORKER = "community_worker"
    CADRE_SENT_DOWN = "cadre_sent_down"
    SERVICE_TEAM = "service_team"
    VOLUNTEER = "volunteer"
    SERVICE_CENTER = "service_center"
    SOCIAL_ORG = "social_org"
    PROJECT = "project"
    ISSUES_RESOLVED = "issues_resolved"
    FUNDING_YUAN = "funding_yuan"


class AgreementKind(StrEnum):
    CO_BUILDING = "co_building"
    DUAL_REPORT = "dual_report"
    RESPONSIBILITY = "responsibility"


class WorkerRole(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    PARTY_BUILDING = "party_building"


class MembershipRole(StrEnum):
    MEMBER = "member"
    DEPUTY_SECRETARY = "deputy_secretary"


class ProjectStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"


#: Labels whose nodes are keyed by ``id`` and get a uniqueness constraint.
#: Area sub-labels share the ``Area`` id space, so only ``Area`` is keyed.
KEYED_LABELS: tuple[Label, ...] = (
    Label.AREA,
    Label.PARTY_ORG,
    Label.UNIT,
    Label.AGREEMENT,
    Label.GRID_WORKER,
    Label.RESOURCE,
    Label.DEMAND,
    Label.PROJECT,
    Label.MEMBER,
    Label.DOCUMENT,
    Label.STATEMENT,
    Label.MECHANISM,
)

#: Extra properties worth an index (looked up by name or level in queries).
INDEXED_PROPERTIES: tuple[tuple[Label, str], ...] = (
    (Label.AREA, "name"),
    (Label.AREA, "level"),
    (Label.PARTY_ORG, "kind"),
)

AREA_LEVEL_LABELS: frozenset[str] = frozenset(level.label.value for level in Level)
