package interp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"

	"github.com/mitchellh/mapstructure"
	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// Plugin is a middleware plugin evaluated in its own interpreter, as
// Traefik holds one interpreter per plugin for the life of the process.
type Plugin struct {
	// Manifest is the plugin's .traefik.yml.
	Manifest *Manifest
	// Stdout receives what the plugin prints with fmt (Traefik logs it at DEBUG).
	Stdout *LogBuffer
	// Stderr receives what the plugin writes with the log package (Traefik logs it at ERROR).
	Stderr *LogBuffer

	interpreter    *yaegi.Interpreter
	fnNew          reflect.Value
	fnCreateConfig reflect.Value
}

// Load evaluates the plugin installed in <goPath>/src/<module>/ the way
// Traefik v3.6.12 builds a yaegi middleware (pkg/plugins: ReadManifest,
// newInterpreter, newYaegiMiddlewareBuilder), with useUnsafe not allowed.
func Load(goPath, module string) (*Plugin, error) {
	manifest, err := ReadManifest(goPath, module)
	if err != nil {
		return nil, err
	}
	if manifest.Type != "middleware" {
		return nil, fmt.Errorf("%s: plugin type %q, want middleware", module, manifest.Type)
	}
	if manifest.Runtime != "" && manifest.Runtime != "yaegi" {
		return nil, fmt.Errorf("%s: unsupported runtime %q", module, manifest.Runtime)
	}

	p := &Plugin{Manifest: manifest, Stdout: &LogBuffer{}, Stderr: &LogBuffer{}}
	i := yaegi.New(yaegi.Options{
		GoPath: goPath,
		Env:    os.Environ(),
		Stdout: p.Stdout,
		Stderr: p.Stderr,
	})
	if err := i.Use(stdlib.Symbols); err != nil {
		return nil, fmt.Errorf("failed to load symbols: %w", err)
	}
	if manifest.UseUnsafe {
		return nil, errors.New("this plugin uses restricted imports. If you want to use it, you need to allow useUnsafe in the settings")
	}
	if err := i.Use(providerSymbols()); err != nil {
		return nil, fmt.Errorf("failed to load provider symbols: %w", err)
	}
	if _, err := i.Eval(fmt.Sprintf(`import "%s"`, manifest.Import)); err != nil {
		return nil, fmt.Errorf("failed to import plugin code %q: %w", manifest.Import, err)
	}

	basePkg := manifest.PackageName()
	if p.fnNew, err = i.Eval(basePkg + `.New`); err != nil {
		return nil, fmt.Errorf("failed to eval New: %w", err)
	}
	if p.fnCreateConfig, err = i.Eval(basePkg + `.CreateConfig`); err != nil {
		return nil, fmt.Errorf("failed to eval CreateConfig: %w", err)
	}
	p.interpreter = i
	return p, nil
}

// CreateConfig calls the plugin's CreateConfig and fills the result from
// config with mapstructure, weakly typed, splitting strings on ',' into
// slices; an empty config leaves the defaults untouched. The result is a
// pointer to the plugin's (interpreted) Config type.
func (p *Plugin) CreateConfig(config map[string]any) (reflect.Value, error) {
	results := p.fnCreateConfig.Call(nil)
	if len(results) != 1 {
		return reflect.Value{}, fmt.Errorf("invalid number of return for the CreateConfig function: %d", len(results))
	}
	vConfig := results[0]
	if len(config) == 0 {
		return vConfig, nil
	}
	decoder, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:       mapstructure.StringToSliceHookFunc(","),
		WeaklyTypedInput: true,
		Result:           vConfig.Interface(),
	})
	if err != nil {
		return reflect.Value{}, fmt.Errorf("failed to create configuration decoder: %w", err)
	}
	if err := decoder.Decode(config); err != nil {
		return reflect.Value{}, fmt.Errorf("failed to decode configuration: %w", err)
	}
	return vConfig, nil
}

// NewHandler calls the plugin's New with a configuration made by
// CreateConfig, as Traefik does for each router that uses the middleware.
func (p *Plugin) NewHandler(ctx context.Context, next http.Handler, cfg reflect.Value, name string) (http.Handler, error) {
	args := []reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(next), cfg, reflect.ValueOf(name)}
	results := p.fnNew.Call(args)
	if len(results) > 1 && results[1].Interface() != nil {
		err, ok := results[1].Interface().(error)
		if !ok {
			return nil, fmt.Errorf("invalid error type: %T", results[0].Interface())
		}
		return nil, err
	}
	handler, ok := results[0].Interface().(http.Handler)
	if !ok {
		return nil, fmt.Errorf("invalid handler type: %T", results[0].Interface())
	}
	return handler, nil
}

// Build decodes config and calls New in front of next: one middleware
// instance, as a router using middleware name gets it.
func (p *Plugin) Build(ctx context.Context, config map[string]any, name string, next http.Handler) (http.Handler, error) {
	cfg, err := p.CreateConfig(config)
	if err != nil {
		return nil, err
	}
	return p.NewHandler(ctx, next, cfg, name)
}

// PP mirrors the interface of a Traefik provider plugin, which Traefik
// makes available to every interpreted plugin.
type PP interface {
	Init() error
	Provide(cfgChan chan<- json.Marshaler) error
	Stop() error
}

// _PP is the wrapper yaegi uses to hand an interpreted PP to compiled code.
type _PP struct {
	IValue   any
	WInit    func() error
	WProvide func(cfgChan chan<- json.Marshaler) error
	WStop    func() error
}

func (p _PP) Init() error                                 { return p.WInit() }
func (p _PP) Provide(cfgChan chan<- json.Marshaler) error { return p.WProvide(cfgChan) }
func (p _PP) Stop() error                                 { return p.WStop() }

// providerSymbols are the extra symbols Traefik loads into every plugin
// interpreter (pkg/plugins.ppSymbols).
func providerSymbols() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		"github.com/traefik/traefik/v3/pkg/plugins/plugins": {
			"PP":  reflect.ValueOf((*PP)(nil)),
			"_PP": reflect.ValueOf((*_PP)(nil)),
		},
	}
}
