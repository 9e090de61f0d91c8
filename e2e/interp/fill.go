package interp

import (
	"fmt"
	"sort"

	"github.com/mitchellh/mapstructure"
)

// Fill decodes raw plugin settings into cfg, a pointer to a plugin's Config
// (the compiled type, say), with the decoding CreateConfig applies to the
// interpreted one: mapstructure, weakly typed, strings split on ',' into
// slices. It returns the settings Fill did not use, sorted: Traefik drops
// them silently, so a misspelt key would go unnoticed.
func Fill(cfg any, raw map[string]any) (unused []string, err error) {
	var md mapstructure.Metadata
	decoder, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:       mapstructure.StringToSliceHookFunc(","),
		WeaklyTypedInput: true,
		Metadata:         &md,
		Result:           cfg,
	})
	if err != nil {
		return nil, fmt.Errorf("configuration decoder for %T: %w", cfg, err)
	}
	if err := decoder.Decode(raw); err != nil {
		return nil, err
	}
	if len(md.Unused) == 0 {
		return nil, nil
	}
	sort.Strings(md.Unused)
	return md.Unused, nil
}
