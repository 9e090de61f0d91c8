package k8s

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sigsyaml "sigs.k8s.io/yaml"
)

// TestOpenAPIConversion checks the rewriting of CRD schemas into JSON
// Schema on small schemas: what the API server accepts and refuses.
func TestOpenAPIConversion(t *testing.T) {
	cases := []struct {
		name   string
		schema string
		valid  []string
		// invalid instances, each with a piece of the expected error
		invalid map[string]string
	}{
		{
			name:   "objects with properties are closed",
			schema: `{type: object, properties: {spec: {type: object, properties: {a: {type: string}}}}}`,
			valid:  []string{`{}`, `{"spec": {"a": "x"}}`},
			invalid: map[string]string{
				`{"spec": {"b": "x"}}`: "b",
				`{"other": 1}`:         "other",
				`{"spec": {"a": 1}}`:   "/spec/a",
			},
		},
		{
			name:   "root metadata stays open",
			schema: `{type: object, properties: {metadata: {type: object}, spec: {type: object}}}`,
			valid:  []string{`{"metadata": {"name": "x", "labels": {"a": "b"}}}`},
			invalid: map[string]string{
				`{"spec": {"anything": 1}}`: "anything",
			},
		},
		{
			name:   "preserve-unknown-fields keeps any value",
			schema: `{type: object, properties: {plugin: {type: object, additionalProperties: {x-kubernetes-preserve-unknown-fields: true}}}}`,
			valid:  []string{`{"plugin": {"p": {"a": [1, true, "x"], "b": {"c": null}}}}`, `{"plugin": {"p": "s"}}`},
			invalid: map[string]string{
				`{"plugin": "p"}`: "/plugin",
			},
		},
		{
			name:   "int-or-string",
			schema: `{type: object, properties: {port: {anyOf: [{type: integer}, {type: string}], x-kubernetes-int-or-string: true}}}`,
			valid:  []string{`{"port": 80}`, `{"port": "http"}`},
			invalid: map[string]string{
				`{"port": true}`: "/port",
				`{"port": 1.5}`:  "/port",
				`{"port": null}`: "/port",
			},
		},
		{
			name:   "int-or-string alone",
			schema: `{type: object, properties: {port: {x-kubernetes-int-or-string: true}}}`,
			valid:  []string{`{"port": 80}`, `{"port": "http"}`},
			invalid: map[string]string{
				`{"port": {}}`: "/port",
			},
		},
		{
			name:   "nullable",
			schema: `{type: object, properties: {a: {type: string, nullable: true, enum: [x]}}}`,
			valid:  []string{`{"a": null}`, `{"a": "x"}`},
			invalid: map[string]string{
				`{"a": "y"}`: "/a",
			},
		},
		{
			name:   "integer formats",
			schema: `{type: object, properties: {a: {type: integer, format: int32}, b: {type: integer, format: int64}}}`,
			valid:  []string{`{"a": 2147483647, "b": 9223372036854775807}`},
			invalid: map[string]string{
				`{"a": 2147483648}`:           "/a",
				`{"b": 9223372036854775808}`:  "/b",
				`{"a": -2147483649, "b": -1}`: "/a",
			},
		},
		{
			name:   "required, enum and pattern",
			schema: `{type: object, required: [kind], properties: {kind: {type: string, enum: [Rule]}, name: {type: string, pattern: '^[a-z]+$'}}}`,
			valid:  []string{`{"kind": "Rule", "name": "abc"}`},
			invalid: map[string]string{
				`{"name": "abc"}`:                "kind",
				`{"kind": "Other"}`:              "/kind",
				`{"kind": "Rule", "name": "A1"}`: "/name",
			},
		},
		{
			name:   "CEL rules fail closed",
			schema: `{type: object, properties: {prefix: {type: string, x-kubernetes-validations: [{rule: "self.startsWith('/')", message: m}]}}}`,
			valid:  []string{`{}`},
			invalid: map[string]string{
				`{"prefix": "/a"}`: "CEL",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var openAPI map[string]any
			require.NoError(t, sigsyaml.Unmarshal([]byte(c.schema), &openAPI))
			sch, err := CompileOpenAPISchema("test", openAPI)
			require.NoError(t, err)
			schemas := Schemas{SchemaKey("test/v1", "T"): sch}
			for _, v := range c.valid {
				assert.NoError(t, schemas.Validate("test/v1", "T", []byte(v)), v)
			}
			for v, want := range c.invalid {
				err := schemas.Validate("test/v1", "T", []byte(v))
				if assert.Error(t, err, v) {
					assert.Contains(t, err.Error(), want, v)
				}
			}
		})
	}
}

// TestOpenAPIConversionRefuses checks that a schema feature the
// conversion does not implement is an error naming it, not ignored.
func TestOpenAPIConversionRefuses(t *testing.T) {
	cases := []struct {
		name, schema, want string
	}{
		{"list type", `{type: object, properties: {a: {type: array, items: {type: string}, x-kubernetes-list-type: set}}}`, `"x-kubernetes-list-type"`},
		{"embedded resource", `{type: object, properties: {a: {type: object, x-kubernetes-embedded-resource: true}}}`, "x-kubernetes-embedded-resource"},
		{"unknown format", `{type: object, properties: {a: {type: string, format: date-time}}}`, `"date-time"`},
		{"nested path named", `{type: object, properties: {a: {type: array, items: {type: object, properties: {b: {type: string, x-kubernetes-map-type: atomic}}}}}}`, "a[].b"},
		{"no schema", ``, "no openAPIV3Schema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var openAPI map[string]any
			require.NoError(t, sigsyaml.Unmarshal([]byte(c.schema), &openAPI))
			_, err := CompileOpenAPISchema("test", openAPI)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}
