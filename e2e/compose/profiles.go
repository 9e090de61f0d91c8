package compose

// Names of the variables docker-compose.yml reads.
const (
	// SecretVar holds the secret every middleware seals and opens tokens with.
	SecretVar = "SESSIONINJECTOR_SECRET"
	// RedisPasswordVar holds the password of the ha profile's Redis.
	RedisPasswordVar = "SESSIONINJECTOR_REDIS_PASSWORD"
)

// Profile is one way to run docker-compose.yml: the app container it
// serves and the Traefik services in front of it.
type Profile struct {
	// Name is the --profile that starts it, "" for the default.
	Name string
	// App is the service whose labels configure Traefik.
	App string
	// Traefiks are the Traefik services that serve App.
	Traefiks []string
	// Expected names testdata/<Expected>.{yml,toml} of this package: the app's
	// middlewares written for the file provider.
	Expected string
}

// Profiles are the demo's two ways to run.
var Profiles = []Profile{
	{Name: "", App: "app", Traefiks: []string{"traefik"}, Expected: "default"},
	{Name: "ha", App: "app-ha", Traefiks: []string{"traefik-ha-1", "traefik-ha-2"}, Expected: "ha"},
}

// Selects returns the --profile arguments that start p.
func (p Profile) Selects() []string {
	if p.Name == "" {
		return nil
	}
	return []string{p.Name}
}
