# Queue enqueue: the submitter's role (from its token) against the task type.
# Input: identity, role, task_type.
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

violations contains sprintf("role %v may not enqueue %v tasks", [input.role, input.task_type]) if {
	allowed := role_task_types[input.role]
	is_string(input.task_type)
	not allowed["*"]
	not allowed[input.task_type]
}
