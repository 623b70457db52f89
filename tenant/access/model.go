package access

// modelText is the Casbin model: RBAC with domains. A grant "g, u:7, indberetter, 101" gives
// user 7 the role indberetter in kommune 101; a policy "p, indberetter, *, sag, write" gives
// the role the permission in every domain where it is held. Keeping policies per role rather
// than per kommune keeps them to a few dozen rules; rows are scoped by the database.
const modelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && (p.dom == "*" || p.dom == r.dom) && r.obj == p.obj && r.act == p.act
`
