package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/productionflow/privacy-desk/shared/system"
)

// registryWithTimeout writes the desk's own registry with every call's
// timeout set to d into dir, and returns its path (for SYSTEMS_FILE): a
// timeout fault then costs d of real time, not the registry's 10 to 20 s.
// Nothing else changes.
func registryWithTimeout(dir string, d time.Duration) (string, error) {
	if d < system.MinTimeout || d > system.MaxTimeout {
		return "", fmt.Errorf("call timeout %s: must be between %s and %s", d, system.MinTimeout, system.MaxTimeout)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(system.BuiltinYAML, &doc); err != nil {
		return "", fmt.Errorf("the built-in registry: %w", err)
	}
	setTimeouts(&doc, d.String())
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "systems.yaml")
	return path, os.WriteFile(path, b.Bytes(), 0o600)
}

// setTimeouts sets timeout: v in every mapping that is a call (has method
// and url).
func setTimeouts(n *yaml.Node, v string) {
	if n.Kind == yaml.MappingNode {
		var method, url bool
		timeout := -1
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch n.Content[i].Value {
			case "method":
				method = true
			case "url":
				url = true
			case "timeout":
				timeout = i + 1
			}
		}
		if method && url {
			if timeout >= 0 {
				n.Content[timeout].Value = v
			} else {
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "timeout"}, &yaml.Node{Kind: yaml.ScalarNode, Value: v})
			}
		}
	}
	for _, c := range n.Content {
		setTimeouts(c, v)
	}
}
