package k8s

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// plainKeywords are OpenAPI v3 schema keywords that mean the same in
// JSON Schema draft 04 and are copied as they are.
var plainKeywords = map[string]bool{
	"type": true, "description": true, "title": true, "default": true, "example": true,
	"required": true, "enum": true, "pattern": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true,
	"minLength": true, "maxLength": true, "minItems": true, "maxItems": true, "uniqueItems": true,
	"minProperties": true, "maxProperties": true,
}

// toJSONSchema rewrites one node of a structural OpenAPI v3 schema, at
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
func toJSONSchema(node map[string]any, path string) (map[string]any, error) {
	out := map[string]any{}
	var preserve, nullable, intOrString bool
	for key, value := range node {
		var err error
		switch {
		case plainKeywords[key]:
			out[key] = value
		case key == "format":
			if _, ok := intFormats[fmt.Sprint(value)]; !ok {
				return nil, fmt.Errorf("%s: format %q is not supported", pathName(path), value)
			}
			out[key] = value
		case key == "properties":
			props, ok := value.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: properties is %T, want an object", pathName(path), value)
			}
			converted := map[string]any{}
			for name, sub := range props {
				if converted[name], err = subSchema(sub, joinPath(path, name)); err != nil {
					return nil, err
				}
			}
			out[key] = converted
		case key == "items":
			out[key], err = subSchema(value, path+"[]")
		case key == "additionalProperties":
			if b, ok := value.(bool); ok {
				out[key] = b
			} else {
				out[key], err = subSchema(value, path+"{}")
			}
		case key == "not":
			out[key], err = subSchema(value, path)
		case key == "anyOf" || key == "allOf" || key == "oneOf":
			list, ok := value.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: %s is %T, want a list", pathName(path), key, value)
			}
			converted := make([]any, len(list))
			for i, sub := range list {
				if converted[i], err = subSchema(sub, path); err != nil {
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
		case key == celKeyword:
			out[key] = value
		default:
			return nil, fmt.Errorf("%s: keyword %q is not supported", pathName(path), key)
		}
		if err != nil {
			return nil, err
		}
	}
	if nullable {
		makeNullable(out)
	}
	if intOrString {
		makeIntOrString(out)
	}
	_, hasProps := out["properties"]
	_, hasAdditional := out["additionalProperties"]
	if (out["type"] == "object" || hasProps) && !hasAdditional && !preserve && path != "metadata" {
		out["additionalProperties"] = false
	}
	return out, nil
}

// subSchema converts a subschema, which must be an object.
func subSchema(v any, path string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: schema is %T, want an object", pathName(path), v)
	}
	return toJSONSchema(m, path)
}

// makeNullable lets a schema accept null.
func makeNullable(s map[string]any) {
	if t, ok := s["type"].(string); ok {
		s["type"] = []any{t, "null"}
	}
	if enum, ok := s["enum"].([]any); ok {
		s["enum"] = append(enum, nil)
	}
}

// makeIntOrString makes a schema accept only integers and strings, as
// the API server does for x-kubernetes-int-or-string.
func makeIntOrString(s map[string]any) {
	s["allOf"] = append(asList(s["allOf"]), map[string]any{
		"anyOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}},
	})
}

// asList returns v as a list, nil when it is not one.
func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// joinPath names property name under path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// pathName names path in an error, "(root)" for the root.
func pathName(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}

// intFormats are the OpenAPI integer formats the API server checks.
var intFormats = map[string]*jsonschema.Format{
	"int32": {Name: "int32", Validate: intRange(math.MinInt32, math.MaxInt32)},
	"int64": {Name: "int64", Validate: intRange(math.MinInt64, math.MaxInt64)},
}

// intRange validates that a number is an integer within [lo, hi];
// values of other types are left to the type keyword.
func intRange(lo, hi int64) func(v any) error {
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
