module powersync-write-conformance

go 1.24

require powersync-write-api v0.0.0

replace powersync-write-api => ../../generated/go
