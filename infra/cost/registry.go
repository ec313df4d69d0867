package main

import (
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// allManual writes, into dir, the shipped registry with every action a
// manual task for the system's owner (no API calls at all): the registry
// of a company whose systems have no privacy API.
func allManual(root, dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "shared", "system", "systems.yaml"))
	if err != nil {
		return "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return "", err
	}
	systems := child(doc.Content[0], "systems")
	if systems == nil {
		return "", fmt.Errorf("systems.yaml has no systems")
	}
	for _, sys := range systems.Content {
		drop(sys, "auth")
		actions := child(sys, "actions")
		if actions == nil {
			continue
		}
		var manual []*yaml.Node
		for i := 0; i+1 < len(actions.Content); i += 2 {
			name := actions.Content[i].Value
			if name == "find" {
				continue
			}
			task := &yaml.Node{Kind: yaml.MappingNode}
			for _, kv := range [][2]string{{"kind", "manual"}, {"task", "Carry out the " + name + " for the person in this system."}, {"dueIn", "72h"}} {
				task.Content = append(task.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[0]}, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[1]})
			}
			manual = append(manual, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, task)
		}
		actions.Content = manual
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "systems-all-manual.yaml")
	return path, os.WriteFile(path, out, 0o600)
}

// drop removes key from mapping n.
func drop(n *yaml.Node, key string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		}
	}
}
