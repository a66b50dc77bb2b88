// {{ header }}

module {{ module }}

go {{ go_version }}
