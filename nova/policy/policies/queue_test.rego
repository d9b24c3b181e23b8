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

test_an_agent_may_claim_what_its_blueprint_grants if {
	queue.allow with input.identity as "agent-planner"
		with input.role as "agent"
		with input.task_type as "plan.read"
		with input.action as "claim"
		with input.grants as ["plan.read"]
}

test_a_grant_for_another_type_does_not_help if {
	queue.violations["role agent may not claim provision tasks"] with input.identity as "agent-planner"
		with input.role as "agent"
		with input.task_type as "provision"
		with input.action as "claim"
		with input.grants as ["plan.read"]
}

test_a_viewer_is_not_widened_by_grants if {
	not queue.allow with input.identity as "eve"
		with input.role as "viewer"
		with input.task_type as "plan.read"
		with input.action as "claim"
		with input.grants as ["plan.read"]
}

test_an_unknown_action_is_denied if {
	queue.violations["unknown action delete"] with input.identity as "root"
		with input.role as "admin"
		with input.task_type as "x"
		with input.action as "delete"
}
