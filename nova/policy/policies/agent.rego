# Agent launch: a blueprint's role against the skills it asks for.
# Input: blueprint, role, skills (skill ids from the vetted registry, "domain.name").
package nova.agent

default allow := false

# A missing input field is read as null through object.get: OPA rewrites
# `not f(input.x)` as `t := input.x; not f(t)`, which is undefined (so the
# violation would not fire) when input.x is missing.
allow if {
	is_object(input)
	count(violations) == 0
}

# The skill domains each blueprint role may use. A skill id's domain is the
# part before the first dot: "network.vpn" is in domain "network".
role_domains := {
	"ops": {"infra", "containers", "network", "security", "backup", "ops", "automation", "delivery", "agents", "data", "code"},
	"security": {"infra", "security", "review"},
	"observer": {"observability", "review"},
	"coder": {"code", "test", "python"},
	"tester": {"test", "code"},
	"reviewer": {"review", "code"},
	"planner": {"plan", "agents"},
	"data": {"data"},
	"ml": {"nvidia", "models", "python"},
	"integration": {"nvidia", "integrations", "automation"},
}

violations contains "blueprint is required" if {
	not is_string(object.get(input, "blueprint", null))
}

violations contains "role is required" if {
	not is_string(object.get(input, "role", null))
}

violations contains sprintf("unknown role %v", [input.role]) if {
	not role_domains[input.role]
}

violations contains "skills must be a non-empty list" if {
	not is_array(object.get(input, "skills", null))
}

violations contains "skills must be a non-empty list" if {
	is_array(input.skills)
	count(input.skills) == 0
}

violations contains sprintf("skill %v is not a registry id (domain.name)", [skill]) if {
	is_array(input.skills)
	some skill in input.skills
	not valid_skill_id(skill)
}

violations contains sprintf("role %v may not use skill %v", [input.role, skill]) if {
	allowed := role_domains[input.role]
	is_array(input.skills)
	some skill in input.skills
	valid_skill_id(skill)
	not allowed[domain(skill)]
}

valid_skill_id(skill) if {
	is_string(skill)
	regex.match(`^[a-z][a-z0-9]*\.[a-z][a-z0-9_.-]*$`, skill)
}

domain(skill) := split(skill, ".")[0]
