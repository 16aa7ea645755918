//go:build tools

// Package tools pins the Pulumi CLI as a dependency of this wrapper module so
// that go.mod/go.sum record the exact module graph it is built from.
// scripts/ensure-pulumi.js builds it with:
//
//	go build -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v<version>" \
//	    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
