package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	sigsyaml "sigs.k8s.io/yaml"
)

// Schemas holds one compiled validator per custom resource kind,
// keyed by "<group>/<version> <Kind>" (apiVersion and kind of a manifest).
type Schemas map[string]*jsonschema.Schema

// SchemaKey is the key of a kind in Schemas.
func SchemaKey(apiVersion, kind string) string { return apiVersion + " " + kind }

// Validate checks a manifest, as JSON, against the schema of its kind.
func (s Schemas) Validate(apiVersion, kind string, doc []byte) error {
	sch, ok := s[SchemaKey(apiVersion, kind)]
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

// crdHeader is the part of a CustomResourceDefinition that says what it
// serves and with which schema.
type crdHeader struct {
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

// LoadCRDSchemas compiles the schema of every served version of every
// traefik.io_*.yaml CRD in dir.
func LoadCRDSchemas(dir string) (Schemas, error) {
	files, err := filepath.Glob(filepath.Join(dir, "traefik.io_*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no traefik.io_*.yaml CRD in %s", dir)
	}
	schemas := Schemas{}
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var crd crdHeader
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
			key := SchemaKey(crd.Spec.Group+"/"+v.Name, crd.Spec.Names.Kind)
			sch, err := CompileOpenAPISchema(key, v.Schema.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", filepath.Base(file), key, err)
			}
			schemas[key] = sch
		}
	}
	return schemas, nil
}

// CompileOpenAPISchema compiles a CRD's openAPIV3Schema, rewritten by
// toJSONSchema, as a draft-04 JSON Schema (the dialect OpenAPI v3.0
// schemas derive from).
func CompileOpenAPISchema(name string, openAPI map[string]any) (*jsonschema.Schema, error) {
	if openAPI == nil {
		return nil, fmt.Errorf("no openAPIV3Schema")
	}
	converted, err := toJSONSchema(openAPI, "")
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
	c.RegisterVocabulary(celVocabulary())
	for _, f := range intFormats {
		c.RegisterFormat(f)
	}
	c.AssertFormat()
	url := "urn:crd:" + strings.ReplaceAll(name, " ", ":")
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}
