package harness

import (
	"fmt"

	"github.com/traefik/paerser/flag"
)

// StaticFlags mirrors the parts of Traefik v3.6's static configuration
// (pkg/config/static.Configuration) that the demos set on Traefik's command
// line, with the same field names and allowEmpty markers: DecodeStaticFlags
// refuses a flag outside them, as Traefik refuses an unknown flag.
type StaticFlags struct {
	Global       *StaticGlobal
	EntryPoints  map[string]*StaticEntryPoint
	Providers    *StaticProviders
	Ping         *StaticPing `label:"allowEmpty"`
	Log          *StaticLog
	Experimental *StaticExperimental
}

// StaticGlobal mirrors static.Global.
type StaticGlobal struct {
	CheckNewVersion    bool
	SendAnonymousUsage bool
}

// StaticEntryPoint mirrors static.EntryPoint.
type StaticEntryPoint struct {
	Address string
}

// StaticProviders mirrors static.Providers: a provider is enabled when its
// pointer is set (`--providers.docker=true`).
type StaticProviders struct {
	Docker        *StaticDockerProvider `label:"allowEmpty"`
	KubernetesCRD *StaticCRDProvider    `label:"allowEmpty"`
}

// StaticDockerProvider mirrors docker.Provider.
type StaticDockerProvider struct {
	ExposedByDefault bool
	Constraints      string
}

// SetDefaults applies docker.Provider's default, which the decoder calls
// when a flag enables the provider: containers are exposed unless a flag
// says otherwise.
func (p *StaticDockerProvider) SetDefaults() {
	p.ExposedByDefault = true
}

// StaticCRDProvider mirrors crd.Provider.
type StaticCRDProvider struct {
	Namespaces []string
}

// StaticPing mirrors ping.Handler.
type StaticPing struct {
	EntryPoint string
}

// StaticLog mirrors types.TraefikLog.
type StaticLog struct {
	Level string
}

// StaticExperimental mirrors static.Experimental.
type StaticExperimental struct {
	Plugins              map[string]StaticPlugin
	LocalPlugins         map[string]StaticLocalPlugin
	AbortOnPluginFailure bool
}

// StaticPlugin mirrors plugins.Descriptor: a plugin from the catalog.
type StaticPlugin struct {
	ModuleName string
	Version    string
}

// StaticLocalPlugin mirrors plugins.LocalDescriptor: a plugin read from
// plugins-local.
type StaticLocalPlugin struct {
	ModuleName string
}

// DecodeStaticFlags decodes Traefik's command-line arguments with paerser's
// flag decoder, as Traefik does: names are case-insensitive, a boolean
// flag without a value is true, and an unknown flag is an error.
func DecodeStaticFlags(args []string) (*StaticFlags, error) {
	conf := &StaticFlags{}
	if err := flag.Decode(args, conf); err != nil {
		return nil, fmt.Errorf("decode flags %q: %w", args, err)
	}
	return conf, nil
}
