// name: map/org-links
// description: 党组织之间的领导关系和单位在联合党委中的席位 | Leadership and committee seats around the given party organizations
// internal: true
// param: ids list = [] | party organization ids
// columns: from_id, from_label, rel, to_id, role, props
UNWIND $ids AS org_id
MATCH (o:PartyOrg {id: org_id})<-[r:LEADS|MEMBER_OF|HAS_PARTY_ORG]-(x)
RETURN x.id AS from_id, labels(x)[0] AS from_label, type(r) AS rel, org_id AS to_id, r.role AS role,
       properties(x) AS props
ORDER BY to_id, rel, from_id
