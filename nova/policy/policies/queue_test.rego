package nova.queue_test

import data.nova.queue

test_agent_may_enqueue_code if {
	queue.allow with input.identity as "worker-1"
		with input.role as "agent"
		with input.task_type as "code"
}

test_agent_may_not_enqueue_provision if {
	queue.violations["role agent may not enqueue provision tasks"] with input.identity as "worker-1"
		with input.role as "agent"
		with input.task_type as "provision"
}

test_admin_may_enqueue_anything if {
	queue.allow with input.identity as "root"
		with input.role as "admin"
		with input.task_type as "anything"
}

test_viewer_may_enqueue_nothing if {
	not queue.allow with input.identity as "eve"
		with input.role as "viewer"
		with input.task_type as "report"
}

test_unknown_role_is_denied if {
	queue.violations["unknown role intruder"] with input.identity as "eve"
		with input.role as "intruder"
		with input.task_type as "code"
}

test_blank_identity_is_denied if {
	not queue.allow with input.identity as "  "
		with input.role as "agent"
		with input.task_type as "code"
}
