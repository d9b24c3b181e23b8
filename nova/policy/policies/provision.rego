# Provision launch: asked before each phase of `nova provision`.
# Input, in the style of AAP policy-as-code:
#   launcher, inventory, phases (the run's plan), phase (the one about to run),
#   check_mode, hosts (the hosts the run targets), limit.
package nova.provision

default allow := false

# A missing input field is read as null through object.get: OPA rewrites
# `not f(input.x)` as `t := input.x; not f(t)`, which is undefined (so the
# violation would not fire) when input.x is missing.
allow if {
	is_object(input)
	count(violations) == 0
}

# Applying changes to more hosts than this at once requires an explicit --limit.
max_hosts_without_limit := 20

# When policy data sets nova_config.provision.apply_launchers, only those may apply changes.
default apply_launchers := []

apply_launchers := data.nova_config.provision.apply_launchers

violations contains "launcher is required" if {
	not valid_string(object.get(input, "launcher", null))
}

violations contains "inventory is required" if {
	not valid_string(object.get(input, "inventory", null))
}

violations contains "phases must be a non-empty list" if {
	not non_empty_list(object.get(input, "phases", null))
}

violations contains sprintf("phase %v is not in the run's phases", [input.phase]) if {
	is_string(input.phase)
	non_empty_list(input.phases)
	not phase_listed
}

violations contains "no hosts targeted" if {
	not non_empty_list(object.get(input, "hosts", null))
}

violations contains "check_mode must be true or false" if {
	not is_boolean(object.get(input, "check_mode", null))
}

violations contains msg if {
	input.check_mode == false
	count(input.hosts) > max_hosts_without_limit
	not valid_string(object.get(input, "limit", null))
	msg := sprintf("applying to %d hosts needs --limit (at most %d without one)", [count(input.hosts), max_hosts_without_limit])
}

violations contains sprintf("%v may not apply changes (check mode only)", [input.launcher]) if {
	input.check_mode == false
	count(apply_launchers) > 0
	not launcher_may_apply
}

phase_listed if {
	some listed in input.phases
	listed == input.phase
}

launcher_may_apply if {
	some name in apply_launchers
	name == input.launcher
}

valid_string(value) if {
	is_string(value)
	count(trim_space(value)) > 0
}

non_empty_list(value) if {
	is_array(value)
	count(value) > 0
}
