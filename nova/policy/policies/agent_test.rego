package nova.agent_test

import data.nova.agent

test_developer_with_developer_skills_is_allowed if {
	agent.allow with input.blueprint as "coder"
		with input.role as "developer"
		with input.skills as ["python", "git"]
}

test_developer_may_not_use_ssh if {
	agent.violations["role developer may not use skill ssh"] with input.blueprint as "coder"
		with input.role as "developer"
		with input.skills as ["python", "ssh"]
}

test_no_skills_is_denied if {
	not agent.allow with input.blueprint as "coder"
		with input.role as "developer"
		with input.skills as []
}

test_unknown_role_is_denied if {
	not agent.allow with input.blueprint as "x"
		with input.role as "overlord"
		with input.skills as ["python"]
}
