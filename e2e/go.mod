module github.com/session-injector/sessioninjector/e2e

go 1.24

require (
	github.com/gorilla/websocket v1.5.3
	github.com/mitchellh/mapstructure v1.5.1-0.20231216201459-8508981c8b6c
	github.com/session-injector/sessioninjector v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.11.1
	github.com/traefik/paerser v0.2.2
	github.com/traefik/yaegi v0.16.1
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/BurntSushi/toml v1.4.0 // indirect
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
)

replace github.com/session-injector/sessioninjector => ../
