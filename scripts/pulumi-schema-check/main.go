// Command pulumi-schema-check checks a Pulumi package schema the way Pulumi's own tools read it, with
// the code of github.com/pulumi/pulumi/pkg/v3 at the version the repository's CLI is built from:
//
//  1. the JSON against Pulumi's package metaschema (schema.MetaSchema), as written: a misspelt key
//     is reported here, before anything drops it;
//  2. a strict decode into schema.PackageSpec: a key the Go types do not have is an error;
//  3. schema.BindSpec, which resolves every type reference and token and validates the spec, the
//     step `pulumi package gen-sdk` and the SDK generators start from.
//
// Every diagnostic, warnings included, is printed as one line `error: <subject>: <summary>: <detail>`
// on stderr and makes the exit status 1. Usage: pulumi-schema-check <schema.json>
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-schema-check <schema.json>")
		os.Exit(2)
	}
	problems, err := check(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "error: %s\n", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Println("ok: the schema validates against Pulumi's metaschema and binds with no diagnostics")
}

func check(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var problems []string

	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s is not JSON: %w", file, err)
	}
	if err := schema.MetaSchema.Validate(raw); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return nil, err
		}
		var walk func(*jsonschema.ValidationError)
		walk = func(e *jsonschema.ValidationError) {
			if len(e.Causes) == 0 {
				problems = append(problems, fmt.Sprintf("metaschema: #%s: %s", e.InstanceLocation, e.Message))
			}
			for _, c := range e.Causes {
				walk(c)
			}
		}
		walk(verr)
	}

	var spec schema.PackageSpec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return append(problems, fmt.Sprintf("decode: %v", err)), nil
	}

	_, diags, err := schema.BindSpec(spec, schema.NewNullLoader(), schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("binding the schema: %w", err)
	}
	for _, d := range diags {
		problems = append(problems, fmt.Sprintf("bind: %s: %s", d.Summary, d.Detail))
	}
	return problems, nil
}
