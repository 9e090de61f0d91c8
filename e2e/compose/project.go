package compose

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// FileName is the Compose file at the repository root.
const FileName = "docker-compose.yml"

// Load reads docker-compose.yml as `docker compose --profile <p>... config`
// does, with the variables of env only (neither the process's environment
// nor a .env file): anchors and merge keys resolved, every value of the file
// interpolated whatever the profiles, relative paths made absolute, then
// the services of profiles not selected set aside in
// Project.DisabledServices.
func Load(env map[string]string, profiles ...string) (*types.Project, error) {
	opts, err := projectOptions(env, cli.WithProfiles(profiles))
	if err != nil {
		return nil, err
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileName, err)
	}
	return p, nil
}

// LoadModel reads docker-compose.yml as Load does but without
// interpolation: anchors and merge keys resolved, variable references as
// written.
func LoadModel() (map[string]any, error) {
	opts, err := projectOptions(nil, cli.WithInterpolation(false))
	if err != nil {
		return nil, err
	}
	model, err := opts.LoadModel(context.Background())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileName, err)
	}
	return model, nil
}

// ServiceVariables returns, by service, the variables each service of the
// uninterpolated file reads, as Compose's template package finds them.
func ServiceVariables() (map[string]map[string]template.Variable, error) {
	model, err := LoadModel()
	if err != nil {
		return nil, err
	}
	services, ok := model["services"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: services is %T, want a mapping", FileName, model["services"])
	}
	out := map[string]map[string]template.Variable{}
	for name, s := range services {
		m, ok := s.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: service %s is %T, want a mapping", FileName, name, s)
		}
		out[name] = template.ExtractVariables(m, template.DefaultPattern)
	}
	return out, nil
}

// projectOptions are the options of `docker compose -f docker-compose.yml`
// run from the repository root with the variables of env.
func projectOptions(env map[string]string, extra ...cli.ProjectOptionsFn) (*cli.ProjectOptions, error) {
	root, err := harness.RepoRoot()
	if err != nil {
		return nil, err
	}
	vars := make([]string, 0, len(env))
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	sort.Strings(vars)
	fns := append([]cli.ProjectOptionsFn{cli.WithWorkingDirectory(root), cli.WithEnv(vars)}, extra...)
	return cli.NewProjectOptions([]string{filepath.Join(root, FileName)}, fns...)
}

// Names returns the names of the services of p, enabled or not, for which
// keep is true, sorted.
func Names(p *types.Project, keep func(types.ServiceConfig) bool) []string {
	var out []string
	for name, s := range p.AllServices() {
		if keep(s) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
