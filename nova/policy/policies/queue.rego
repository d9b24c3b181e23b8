# Queue enqueue: the submitter's role (from its token) against the task type.
# Input: identity, role, task_type.
package nova.queue

default allow := false

allow if count(violations) == 0

# Task types each role may submit; "*" means any.
role_task_types := {
	"admin": {"*"},
	"operator": {"provision", "backup", "restore", "network", "monitor", "report", "agent"},
	"agent": {"code", "review", "test", "docs", "research", "report"},
	"viewer": set(),
}

violations contains "identity is required" if {
	not is_string(input.identity)
}

violations contains "identity is required" if {
	is_string(input.identity)
	count(trim_space(input.identity)) == 0
}

violations contains "task_type is required" if {
	not is_string(input.task_type)
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
