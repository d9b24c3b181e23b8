package nova.agent_test

import data.nova.agent

test_ops_with_infrastructure_skills_is_allowed if {
	agent.allow with input.blueprint as "nova"
		with input.role as "ops"
		with input.skills as ["infra.audit", "network.vpn", "backup.recovery"]
}

test_coder_may_not_use_vpn if {
	agent.violations["role coder may not use skill network.vpn"] with input.blueprint as "coder"
		with input.role as "coder"
		with input.skills as ["code.syntax", "network.vpn"]
}

test_skill_ids_must_have_a_domain if {
	agent.violations["skill python is not a registry id (domain.name)"] with input.blueprint as "coder"
		with input.role as "coder"
		with input.skills as ["python"]
}

test_no_skills_is_denied if {
	not agent.allow with input.blueprint as "coder"
		with input.role as "coder"
		with input.skills as []
}

test_unknown_role_is_denied if {
	not agent.allow with input.blueprint as "x"
		with input.role as "overlord"
		with input.skills as ["code.syntax"]
}
