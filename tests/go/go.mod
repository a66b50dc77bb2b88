module powersync-write-go-tests

go 1.24

require (
	powersync-write-api v0.0.0
	powersync-write-conformance v0.0.0
)

replace (
	powersync-write-api => ../../generated/go
	powersync-write-conformance => ../conformance
)
