package interp

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/mitchellh/mapstructure"
	"github.com/session-injector/sessioninjector"
	"github.com/stretchr/testify/require"
)

// decodeCompiled fills the compiled plugin's configuration the way Traefik
// fills the interpreted one.
func decodeCompiled(raw map[string]any) (*sessioninjector.Config, error) {
	cfg := sessioninjector.CreateConfig()
	if len(raw) == 0 {
		return cfg, nil
	}
	decoder, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:       mapstructure.StringToSliceHookFunc(","),
		WeaklyTypedInput: true,
		Result:           cfg,
	})
	if err != nil {
		return nil, err
	}
	return cfg, decoder.Decode(raw)
}

// decodeInterpreted fills the interpreted plugin's configuration and reads
// it back as the compiled type, field by field (through encoding/json: the
// Config has no tags, so names match exactly).
func decodeInterpreted(t *testing.T, raw map[string]any) (*sessioninjector.Config, error) {
	t.Helper()
	v, err := sessionInjector(t).CreateConfig(raw)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v.Interface())
	require.NoError(t, err)
	var cfg sessioninjector.Config
	require.NoError(t, json.Unmarshal(b, &cfg))
	return &cfg, nil
}

// leafPaths lists the configuration keys of a struct type, lower-cased and
// dotted ("cookie.samesite").
func leafPaths(typ reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name := prefix + strings.ToLower(f.Name)
		if f.Type.Kind() == reflect.Struct {
			out = append(out, leafPaths(f.Type, name+".")...)
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// settingPaths lists the keys of raw settings the same way.
func settingPaths(raw map[string]any, prefix string) []string {
	var out []string
	for k, v := range raw {
		name := prefix + strings.ToLower(k)
		if m, ok := v.(map[string]any); ok {
			out = append(out, settingPaths(m, name+".")...)
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// changedPaths lists the leaf keys whose value differs between a and b.
func changedPaths(a, b reflect.Value, prefix string) []string {
	var out []string
	for i := 0; i < a.NumField(); i++ {
		f := a.Type().Field(i)
		name := prefix + strings.ToLower(f.Name)
		if f.Type.Kind() == reflect.Struct {
			out = append(out, changedPaths(a.Field(i), b.Field(i), name+".")...)
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
