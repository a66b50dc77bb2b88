module powersync-write-go-tests

go 1.24

require (
	feature-non-json-bodies v0.0.0
	powersync-write-api v0.0.0
	powersync-write-conformance v0.0.0
)

replace (
	feature-non-json-bodies => ../../generator/tests/fixtures/features/non_json_bodies/go
	powersync-write-api => ../../generated/go
	powersync-write-conformance => ../conformance
)
