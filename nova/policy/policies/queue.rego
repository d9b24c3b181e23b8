# Queue access: the caller's role (from its token or certificate) against the
# task type it would enqueue, or, for a worker, claim.
# Input: identity, role, task_type; optional action ("enqueue", the default,
# or "claim") and grants (task types this identity's agent blueprint names as
# its skills, which an agent may handle beyond its role's own list).
package nova.queue

default allow := false

# A missing input field is read as null through object.get: OPA rewrites
# `not f(input.x)` as `t := input.x; not f(t)`, which is undefined (so the
# violation would not fire) when input.x is missing.
allow if {
	is_object(input)
	count(violations) == 0
}

# Task types each role may submit; "*" means any.
role_task_types := {
	"admin": {"*"},
	"operator": {"provision", "backup", "restore", "network", "monitor", "report", "agent"},
	"agent": {"code", "review", "test", "docs", "research", "report"},
	"viewer": set(),
}

violations contains "identity is required" if {
	not is_string(object.get(input, "identity", null))
}

violations contains "identity is required" if {
	is_string(input.identity)
	count(trim_space(input.identity)) == 0
}

violations contains "task_type is required" if {
	not is_string(object.get(input, "task_type", null))
}

violations contains "role is required" if {
	not is_string(object.get(input, "role", null))
}

violations contains sprintf("unknown role %v", [input.role]) if {
	not role_task_types[input.role]
}

action := object.get(input, "action", "enqueue")

violations contains sprintf("unknown action %v", [action]) if {
	not action in {"enqueue", "claim"}
}

# concat, not sprintf: regopy prints a string held in a rule's variable with its quotes.
violations contains concat(" ", ["role", input.role, "may not", action, input.task_type, "tasks"]) if {
	allowed := role_task_types[input.role]
	is_string(input.task_type)
	not allowed["*"]
	not allowed[input.task_type]
	not granted
}

# Grants widen an agent's list only: a viewer holds none, whatever it is given.
granted if {
	input.role == "agent"
	some task_type in object.get(input, "grants", [])
	task_type == input.task_type
}
