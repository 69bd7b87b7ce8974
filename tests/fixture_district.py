"""A small hand-built district whose every canned answer is worked out by hand in test_queries.py.

Names follow the documents' places; the shape exercises each rule of the spec:
a grid covered only by a building group, a unit located in a building, a police
station located in a street (so in no community), a future, an expired and a
wrong-community agreement, an open project that does not close its demand, a
resource with no capacity left, and two communities that share a name.
"""

from __future__ import annotations

from pathlib import Path

from conftest import write_csv

ON = "2025-06-30"


def write_district(folder: Path) -> Path:
    write_csv(
        folder,
        "areas",
        ["id", "name", "level", "parent_id", "households"],
        [
            ["C", "太原市", "city", None, None],
            ["D1", "迎泽区", "district", "C", None],
            ["D2", "杏花岭区", "district", "C", None],
            ["S1", "柳巷街道", "street", "D1", None],
            ["S2", "桥东街道", "street", "D1", None],
            ["S3", "巨轮街道", "street", "D2", None],
            ["R1", "柳巷区域", "region", "D1", None],
            ["K1", "西吴社区", "community", "S1", None],
            ["K2", "双塔西街三社区", "community", "S1", None],
            ["K3", "桥东社区", "community", "S2", None],
            ["K4", "巨轮社区", "community", "S3", None],
            ["K5", "西吴社区", "community", "S3", None],
            ["G1", "西吴社区第一网格", "grid", "K1", 480],
            ["G2", "西吴社区第二网格", "grid", "K1", 520],
            ["G3", "双塔西街三社区网格", "grid", "K2", None],
            ["G4", "桥东社区网格", "grid", "K3", 700],
            ["G5", "巨轮社区网格", "grid", "K4", 300],
            ["G6", "西吴社区（巨轮）网格", "grid", "K5", 501],
            ["B1", "1号楼", "building", "G1", 80],
        ],
    )
    write_csv(folder, "spans", ["region_id", "area_id"], [["R1", "S1"], ["R1", "S2"]])
    write_csv(
        folder,
        "orgs",
        ["id", "name", "kind", "area_id", "parent_id"],
        [
            ["dc1", "迎泽区委", "district_committee", "D1", None],
            ["swc1", "柳巷街道党工委", "street_working_committee", "S1", "dc1"],
            ["cpo1", "西吴社区党委", "community_party_org", "K1", "swc1"],
            ["gpb1", "西吴社区网格党支部", "grid_party_branch", "G1", "cpo1"],
            ["bpg3", "三社区1号楼党小组", "building_party_group", "G3", None],
            ["gpb5", "巨轮社区网格党支部", "grid_party_branch", "G5", None],
            ["cjc1", "西吴社区大党委", "community_joint_committee", "K1", None],
            ["cjc3", "桥东社区大党委", "community_joint_committee", "K3", None],
            ["sjc1", "柳巷街道大工委", "street_joint_committee", "S1", None],
            ["gjb5", "巨轮社区网格大支部", "grid_joint_branch", "G5", None],
            ["rpc1", "柳巷区域党委", "regional_party_committee", "R1", None],
        ],
    )
    write_csv(
        folder,
        "coverage",
        ["org_id", "area_id"],
        [
            ["gpb1", "G1"],
            ["gpb1", "G2"],
            ["bpg3", "G3"],
            ["gpb5", "G5"],
        ],
    )
    write_csv(
        folder,
        "workers",
        ["id", "grid_id", "role"],
        [
            ["w1", "G1", "full_time"],
            ["w2", "G1", "party_building"],
            ["w3", "G4", "full_time"],
            ["w4", "G6", "part_time"],
        ],
    )
    write_csv(
        folder,
        "units",
        ["id", "name", "sector", "area_id", "large", "party_members"],
        [
            ["u1", "省第二人民医院", "hospital", "K1", "true", 300],
            ["u2", "柳巷派出所", "police_station", "S1", "false", 20],
            ["u3", "西吴物业服务有限公司", "property_company", "G1", "false", 3],
            ["u4", "西吴小区业主委员会", "owners_committee", "B1", "false", 1],
            ["u5", "桥东小学", "school", "K3", "false", 30],
            ["u6", "巨轮超市", "merchant", "K4", "false", 2],
            ["u7", "迎泽能源集团有限公司", "soe", "K2", "true", 150],
        ],
    )
    write_csv(
        folder,
        "memberships",
        ["unit_id", "org_id", "role", "since"],
        [
            ["u1", "cjc1", "deputy_secretary", "2022-01-01"],
            ["u2", "cjc1", "member", None],
            ["u3", "cjc1", "member", None],
            ["u4", "cjc1", "member", None],
            ["u5", "cjc3", "member", None],
            ["u1", "sjc1", "member", None],
            ["u1", "rpc1", "member", None],
            ["u5", "rpc1", "member", None],
        ],
    )
    write_csv(
        folder,
        "agreements",
        ["id", "kind", "unit_id", "area_id", "signed", "expires"],
        [
            ["a1", "co_building", "u1", "K1", "2024-01-01", None],
            ["a2", "co_building", "u3", "S1", "2025-01-01", "2025-12-31"],
            ["a3", "co_building", "u4", "K2", "2024-01-01", None],
            ["a4", "co_building", "u5", "K3", "2025-07-01", None],
            ["a5", "co_building", "u6", "K4", "2023-01-01", "2025-06-29"],
            ["a6", "co_building", "u7", "K2", "2024-03-01", "2025-06-30"],
            ["a7", "responsibility", "u6", "K4", "2024-01-01", None],
        ],
    )
    write_csv(
        folder,
        "resources",
        ["id", "name", "category", "owner_id", "capacity"],
        [
            ["r1", "义诊", "medical", "u1", 2],
            ["r2", "社区卫生室", "medical", "K3", 1],
            ["r3", "校医", "medical", "u5", 1],
            ["r4", "法律顾问", "legal_aid", "u7", 3],
            ["r5", "药店", "medical", "u6", None],
            ["r6", "警务室", "medical", "u2", 1],
        ],
    )
    write_csv(
        folder,
        "demands",
        ["id", "name", "category", "area_id", "households", "urgency", "raised"],
        [
            ["d1", "慢病随访", "medical", "G1", 100, 5, "2025-03-01"],
            ["d2", "上门体检", "medical", "K2", None, 3, "2025-03-02"],
            ["d3", "邻里纠纷调解", "legal_aid", "K3", 50, None, "2025-03-03"],
            ["d4", "慢病随访", "medical", "G5", 10, 4, "2025-03-04"],
            ["d5", "老年人体检", "medical", "K5", 200, 5, "2025-03-05"],
        ],
    )
    write_csv(
        folder,
        "projects",
        ["id", "name", "status", "demand_id", "resource_id", "claimed_by"],
        [
            ["p1", "校医进社区", "claimed", "d4", "r3", "u5"],
            ["p2", "药店送药", "done", "d4", "r5", None],
            ["p3", "体检筹备", "open", "d5", None, None],
        ],
    )
    return folder
