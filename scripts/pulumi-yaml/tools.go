//go:build tools

// Package tools pins Pulumi YAML's language host as a dependency of this wrapper module so that
// go.mod/go.sum record the exact module graph it is built from. scripts/ensure-pulumi.js builds it
// with:
//
//	go build -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=v<version>" \
//	    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
