# Input is overridden one field at a time: `with input as {...}` crashes regopy.
package nova.provision_test

import data.nova.provision

test_check_run_on_few_hosts_is_allowed if {
	provision.allow with input.launcher as "alice"
		with input.inventory as "sandbox"
		with input.phases as ["base", "firewall"]
		with input.phase as "base"
		with input.check_mode as true
		with input.hosts as ["node1", "node2"]
		with input.limit as null
}

test_missing_launcher_is_denied if {
	not provision.allow with input.launcher as ""
		with input.inventory as "sandbox"
		with input.phases as ["base"]
		with input.check_mode as true
		with input.hosts as ["node1"]
}

test_unlisted_phase_is_denied if {
	provision.violations["phase vpn is not in the run's phases"] with input.launcher as "alice"
		with input.inventory as "sandbox"
		with input.phases as ["base"]
		with input.phase as "vpn"
		with input.check_mode as true
		with input.hosts as ["node1"]
}

test_apply_to_many_hosts_needs_limit if {
	hosts := [sprintf("node%d", [i]) | some i in numbers.range(1, 21)]
	not provision.allow with input.launcher as "alice"
		with input.inventory as "spark"
		with input.phases as ["base"]
		with input.check_mode as false
		with input.hosts as hosts
		with input.limit as null
}

test_apply_to_many_hosts_with_limit_is_allowed if {
	hosts := [sprintf("node%d", [i]) | some i in numbers.range(1, 21)]
	provision.allow with input.launcher as "alice"
		with input.inventory as "spark"
		with input.phases as ["base"]
		with input.check_mode as false
		with input.hosts as hosts
		with input.limit as "rack1"
}

test_no_hosts_is_denied if {
	provision.violations["no hosts targeted"] with input.launcher as "alice"
		with input.inventory as "spark"
		with input.phases as ["base"]
		with input.check_mode as true
		with input.hosts as []
}

test_apply_launchers_restrict_apply if {
	not provision.allow with input.launcher as "mallory"
		with input.inventory as "spark"
		with input.phases as ["base"]
		with input.check_mode as false
		with input.hosts as ["node1"]
		with data.nova_config.provision.apply_launchers as ["alice"]
}

test_apply_launchers_leave_check_mode_open if {
	provision.allow with input.launcher as "mallory"
		with input.inventory as "spark"
		with input.phases as ["base"]
		with input.check_mode as true
		with input.hosts as ["node1"]
		with data.nova_config.provision.apply_launchers as ["alice"]
}

test_empty_input_is_denied if {
	not provision.allow
}

test_whole_run_question_without_phase_is_allowed if {
	provision.allow with input.launcher as "alice"
		with input.inventory as "sandbox"
		with input.phases as ["base"]
		with input.phase as null
		with input.check_mode as false
		with input.hosts as ["node1"]
}
