package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"gopkg.in/yaml.v3"
)

// memoryByFunction reads each function's configured memory (MB) from
// template.yaml: its own MemorySize, or the Globals' (or Lambda's default,
// 128 MB).
func memoryByFunction(root string) (map[string]int, error) {
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("template.yaml is empty")
	}
	top := doc.Content[0]
	memory := func(n *yaml.Node) int {
		if m := child(n, "MemorySize"); m != nil {
			if v, err := strconv.Atoi(m.Value); err == nil {
				return v
			}
		}
		return 0
	}
	global := memory(child(child(top, "Globals"), "Function"))
	if global == 0 {
		global = 128
	}
	out := map[string]int{}
	res := child(top, "Resources")
	if res == nil {
		return nil, fmt.Errorf("template.yaml has no Resources")
	}
	for i := 0; i+1 < len(res.Content); i += 2 {
		r := res.Content[i+1]
		if t := child(r, "Type"); t == nil || t.Value != "AWS::Serverless::Function" {
			continue
		}
		mb := memory(child(r, "Properties"))
		if mb == 0 {
			mb = global
		}
		out[res.Content[i].Value] = mb
	}
	return out, nil
}

// child is the value of key in mapping n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
