package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/message"
	sigsyaml "sigs.k8s.io/yaml"
)

// k8sSchemas holds one compiled validator per custom resource kind,
// keyed by "<group>/<version> <Kind>" (apiVersion and kind of a manifest).
type k8sSchemas map[string]*jsonschema.Schema

// k8sSchemaKey is the key of a kind in k8sSchemas.
func k8sSchemaKey(apiVersion, kind string) string { return apiVersion + " " + kind }

// Validate checks a manifest, as JSON, against the schema of its kind.
func (s k8sSchemas) Validate(apiVersion, kind string, doc []byte) error {
	sch, ok := s[k8sSchemaKey(apiVersion, kind)]
	if !ok {
		return fmt.Errorf("no CRD serves %s %s", apiVersion, kind)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%#v", err)
	}
	return nil
}

// k8sCRD is the part of a CustomResourceDefinition that says what it
// serves and with which schema.
type k8sCRD struct {
	Kind string `json:"kind"`
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Served bool   `json:"served"`
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// k8sLoadCRDSchemas compiles the schema of every served version of every
// traefik.io_*.yaml CRD in dir.
func k8sLoadCRDSchemas(dir string) (k8sSchemas, error) {
	files, err := filepath.Glob(filepath.Join(dir, "traefik.io_*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no traefik.io_*.yaml CRD in %s", dir)
	}
	schemas := k8sSchemas{}
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var crd k8sCRD
		if err := sigsyaml.Unmarshal(content, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(file), err)
		}
		if crd.Kind != "CustomResourceDefinition" || crd.Spec.Group == "" || crd.Spec.Names.Kind == "" {
			return nil, fmt.Errorf("%s: not a CustomResourceDefinition with a group and a kind", filepath.Base(file))
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			key := k8sSchemaKey(crd.Spec.Group+"/"+v.Name, crd.Spec.Names.Kind)
			sch, err := k8sCompileOpenAPISchema(key, v.Schema.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", filepath.Base(file), key, err)
			}
			schemas[key] = sch
		}
	}
	return schemas, nil
}

// k8sCompileOpenAPISchema compiles a CRD's openAPIV3Schema, rewritten by
// k8sToJSONSchema, as a draft-04 JSON Schema (the dialect OpenAPI v3.0
// schemas derive from).
func k8sCompileOpenAPISchema(name string, openAPI map[string]any) (*jsonschema.Schema, error) {
	if openAPI == nil {
		return nil, fmt.Errorf("no openAPIV3Schema")
	}
	converted, err := k8sToJSONSchema(openAPI, "")
	if err != nil {
		return nil, err
	}
	// Round-trip through JSON so that numbers are what the compiler expects.
	data, err := json.Marshal(converted)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.RegisterVocabulary(k8sCELVocabulary())
	for _, f := range k8sIntFormats {
		c.RegisterFormat(f)
	}
	c.AssertFormat()
	url := "urn:crd:" + strings.ReplaceAll(name, " ", ":")
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// k8sPlainKeywords are OpenAPI v3 schema keywords that mean the same in
// JSON Schema draft 04 and are copied as they are.
var k8sPlainKeywords = map[string]bool{
	"type": true, "description": true, "title": true, "default": true, "example": true,
	"required": true, "enum": true, "pattern": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true,
	"minLength": true, "maxLength": true, "minItems": true, "maxItems": true, "uniqueItems": true,
	"minProperties": true, "maxProperties": true,
}

// k8sToJSONSchema rewrites one node of a structural OpenAPI v3 schema, at
// path (dotted, "[]" for items, "{}" for map values; "" at the root), into a
// JSON Schema with the API server's semantics:
//
//   - an object schema without additionalProperties is closed (the API
//     server prunes unknown fields, and kubectl's default strict field
//     validation rejects them), unless x-kubernetes-preserve-unknown-fields
//     keeps them; the root's metadata stays open (it is an ObjectMeta,
//     checked separately);
//   - x-kubernetes-int-or-string accepts an integer or a string;
//   - nullable adds null to the type (and to enum);
//   - format is asserted for int32 and int64;
//   - x-kubernetes-validations (CEL) goes to a keyword that fails whenever it
//     applies, since this validator does not evaluate CEL.
//
// Any other keyword is an error naming it and its path, so that a schema
// feature this conversion does not know is never silently ignored.
func k8sToJSONSchema(node map[string]any, path string) (map[string]any, error) {
	out := map[string]any{}
	var preserve, nullable, intOrString bool
	for key, value := range node {
		var err error
		switch {
		case k8sPlainKeywords[key]:
			out[key] = value
		case key == "format":
			if _, ok := k8sIntFormats[fmt.Sprint(value)]; !ok {
				return nil, fmt.Errorf("%s: format %q is not supported", k8sPathName(path), value)
			}
			out[key] = value
		case key == "properties":
			props, ok := value.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: properties is %T, want an object", k8sPathName(path), value)
			}
			converted := map[string]any{}
			for name, sub := range props {
				if converted[name], err = k8sSubSchema(sub, k8sJoinPath(path, name)); err != nil {
					return nil, err
				}
			}
			out[key] = converted
		case key == "items":
			out[key], err = k8sSubSchema(value, path+"[]")
		case key == "additionalProperties":
			if b, ok := value.(bool); ok {
				out[key] = b
			} else {
				out[key], err = k8sSubSchema(value, path+"{}")
			}
		case key == "not":
			out[key], err = k8sSubSchema(value, path)
		case key == "anyOf" || key == "allOf" || key == "oneOf":
			list, ok := value.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: %s is %T, want a list", k8sPathName(path), key, value)
			}
			converted := make([]any, len(list))
			for i, sub := range list {
				if converted[i], err = k8sSubSchema(sub, path); err != nil {
					return nil, err
				}
			}
			out[key] = converted
		case key == "nullable":
			nullable = value == true
		case key == "x-kubernetes-preserve-unknown-fields":
			preserve = value == true
		case key == "x-kubernetes-int-or-string":
			intOrString = value == true
		case key == k8sCELKeyword:
			out[key] = value
		default:
			return nil, fmt.Errorf("%s: keyword %q is not supported", k8sPathName(path), key)
		}
		if err != nil {
			return nil, err
		}
	}
	if nullable {
		k8sMakeNullable(out)
	}
	if intOrString {
		k8sMakeIntOrString(out)
	}
	_, hasProps := out["properties"]
	_, hasAdditional := out["additionalProperties"]
	if (out["type"] == "object" || hasProps) && !hasAdditional && !preserve && path != "metadata" {
		out["additionalProperties"] = false
	}
	return out, nil
}

// k8sSubSchema converts a subschema, which must be an object.
func k8sSubSchema(v any, path string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: schema is %T, want an object", k8sPathName(path), v)
	}
	return k8sToJSONSchema(m, path)
}

// k8sMakeNullable lets a schema accept null.
func k8sMakeNullable(s map[string]any) {
	if t, ok := s["type"].(string); ok {
		s["type"] = []any{t, "null"}
	}
	if enum, ok := s["enum"].([]any); ok {
		s["enum"] = append(enum, nil)
	}
}

// k8sMakeIntOrString makes a schema accept only integers and strings, as
// the API server does for x-kubernetes-int-or-string.
func k8sMakeIntOrString(s map[string]any) {
	s["allOf"] = append(k8sList(s["allOf"]), map[string]any{
		"anyOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}},
	})
}

func k8sList(v any) []any {
	l, _ := v.([]any)
	return l
}

func k8sJoinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func k8sPathName(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}

// k8sIntFormats are the OpenAPI integer formats the API server checks.
var k8sIntFormats = map[string]*jsonschema.Format{
	"int32": {Name: "int32", Validate: k8sIntRange(math.MinInt32, math.MaxInt32)},
	"int64": {Name: "int64", Validate: k8sIntRange(math.MinInt64, math.MaxInt64)},
}

// k8sIntRange validates that a number is an integer within [lo, hi];
// values of other types are left to the type keyword.
func k8sIntRange(lo, hi int64) func(v any) error {
	return func(v any) error {
		n, ok := v.(json.Number)
		if !ok {
			return nil
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return fmt.Errorf("%s is not a 64-bit integer", n)
		}
		if i < lo || i > hi {
			return fmt.Errorf("%d is out of [%d, %d]", i, lo, hi)
		}
		return nil
	}
}

// k8sCELKeyword holds CEL validation rules in a CRD schema.
const k8sCELKeyword = "x-kubernetes-validations"

// k8sCELVocabulary makes x-kubernetes-validations fail closed: a value its
// rules apply to is reported, rather than accepted without evaluation.
func k8sCELVocabulary() *jsonschema.Vocabulary {
	return &jsonschema.Vocabulary{
		URL: "urn:k8s:x-kubernetes-validations",
		Compile: func(_ *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
			v, ok := obj[k8sCELKeyword]
			if !ok {
				return nil, nil
			}
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s is %T, want a list", k8sCELKeyword, v)
			}
			var rules []string
			for _, r := range list {
				m, _ := r.(map[string]any)
				rule, _ := m["rule"].(string)
				if rule == "" {
					return nil, fmt.Errorf("%s: entry %v has no rule", k8sCELKeyword, r)
				}
				rules = append(rules, rule)
			}
			sort.Strings(rules)
			return k8sCELRules(rules), nil
		},
	}
}

// k8sCELRules is a compiled x-kubernetes-validations keyword.
type k8sCELRules []string

// Validate reports every value the rules apply to.
func (r k8sCELRules) Validate(ctx *jsonschema.ValidatorContext, _ any) {
	ctx.AddError(&k8sCELNotEvaluated{Rules: r})
}

// k8sCELNotEvaluated is the error of a value under CEL rules.
type k8sCELNotEvaluated struct {
	Rules []string
}

// KeywordPath names the keyword.
func (*k8sCELNotEvaluated) KeywordPath() []string { return []string{k8sCELKeyword} }

// LocalizedString explains the error.
func (e *k8sCELNotEvaluated) LocalizedString(p *message.Printer) string {
	return p.Sprintf("CEL rules %q apply here and are not evaluated by this validator", e.Rules)
}
