# Agent launch: a blueprint's role against the skills it asks for.
# Input: blueprint, role, skills.
package nova.agent

default allow := false

allow if count(violations) == 0

role_skills := {
	"developer": {"python", "git", "testing", "docs", "review"},
	"reviewer": {"git", "review", "testing", "docs"},
	"operator": {"ansible", "ssh", "backup", "monitoring", "networking", "git"},
	"researcher": {"search", "docs", "analysis"},
}

violations contains "blueprint is required" if {
	not is_string(input.blueprint)
}

violations contains sprintf("unknown role %v", [input.role]) if {
	not role_skills[input.role]
}

violations contains "skills must be a non-empty list" if {
	not is_array(input.skills)
}

violations contains "skills must be a non-empty list" if {
	is_array(input.skills)
	count(input.skills) == 0
}

violations contains sprintf("role %v may not use skill %v", [input.role, skill]) if {
	allowed := role_skills[input.role]
	is_array(input.skills)
	some skill in input.skills
	not allowed[skill]
}
