package main

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/webform"
)

// TestEveryPublicRouteIsInTheTemplate: on AWS the public API serves only
// the routes template.yaml gives IntakeWebFunction; every route the web
// intake serves with all its parts configured (the form, verification,
// downloads, the status page and its withdrawal, the owners' task page) is
// one of them, and none is there that it does not serve.
func TestEveryPublicRouteIsInTheTemplate(t *testing.T) {
	h := webform.New(struct{ webform.Submitter }{}, webform.Config{
		Verifier: struct{ webform.Verifier }{}, Downloads: struct{ webform.Downloader }{},
		Status: struct{ webform.StatusPages }{}, Withdrawals: struct{ webform.Withdrawer }{},
		Mount: map[string]http.Handler{"/tasks/confirm": http.NotFoundHandler()},
	})
	served := h.Routes()
	for i, r := range served {
		if r == "GET /{$}" {
			served[i] = "GET /"
		}
	}
	tm := loadTemplate(t)
	events, _ := tm.props(t, "IntakeWebFunction")["Events"].(map[string]any)
	var routed []string
	for _, ev := range events {
		e, _ := ev.(map[string]any)
		if e["Type"] != "HttpApi" {
			continue
		}
		p, _ := e["Properties"].(map[string]any)
		routed = append(routed, toString(p["Method"])+" "+toString(p["Path"]))
	}
	slices.Sort(served)
	slices.Sort(routed)
	assert.Equal(t, served, routed)
}
