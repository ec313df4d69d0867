package intake_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *intake.Submission)
		field  string // "" means valid
	}{
		{"valid", func(*intake.Submission) {}, ""},
		{"no kinds", func(s *intake.Submission) { s.Kinds = nil }, "kinds"},
		{"unknown kind", func(s *intake.Submission) { s.Kinds = []request.Kind{"sell-my-soul"} }, "kinds"},
		{"repeated kind", func(s *intake.Submission) { s.Kinds = []request.Kind{request.Deletion, request.Deletion} }, "kinds"},
		{"unclear is for email only", func(s *intake.Submission) { s.Kinds = []request.Kind{request.Unclear} }, "kinds"},
		{"missing name", func(s *intake.Submission) { s.Requester.Name = " " }, "name"},
		{"name too long", func(s *intake.Submission) { s.Requester.Name = strings.Repeat("a", 201) }, "name"},
		{"CR/LF in name", func(s *intake.Submission) { s.Requester.Name = "Ada\r\nBcc: x@example.com" }, "name"},
		{"missing email", func(s *intake.Submission) { s.Requester.Email = "" }, "email"},
		{"email with display name", func(s *intake.Submission) { s.Requester.Email = "Ada <ada@example.com>" }, "email"},
		{"email with header injection", func(s *intake.Submission) { s.Requester.Email = "ada@example.com\nBcc: x@example.com" }, "email"},
		{"email without domain dot", func(s *intake.Submission) { s.Requester.Email = "ada@localhost" }, "email"},
		{"email to an address literal", func(s *intake.Submission) { s.Requester.Email = "ada@[127.0.0.1]" }, "email"},
		{"phone letters", func(s *intake.Submission) { s.Requester.Phone = "call me maybe" }, "phone"},
		{"unknown state", func(s *intake.Submission) { s.Requester.State = "ZZ" }, "state"},
		{"unknown relationship", func(s *intake.Submission) { s.Requester.Relationship = "nemesis" }, "relationship"},
		{"details too long", func(s *intake.Submission) { s.Details = strings.Repeat("x", 4001) }, "details"},
		{"control characters in details", func(s *intake.Submission) { s.Details = "hello\x00" }, "details"},
		{"invalid UTF-8", func(s *intake.Submission) { s.Requester.Company = "\xff\xfe" }, "company"},
		{"specific pieces need the declaration", func(s *intake.Submission) { s.Kinds = []request.Kind{request.AccessSpecific} }, "declaration"},
		{"correction needs an item", func(s *intake.Submission) { s.Kinds = []request.Kind{request.Correction} }, "corrections"},
		{"correction with blank rows only", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.Correction}
			s.Corrections = make([]request.CorrectionItem, 3)
		}, "corrections"},
		{"correction item complete", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.Correction}
			s.Corrections = []request.CorrectionItem{{}, {Item: "postal address", Right: "1 Main St\nSpringfield"}, {}}
		}, ""},
		{"correction without what it should be", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.Correction}
			s.Corrections = []request.CorrectionItem{{}, {Item: "postal address", Wrong: "2 Elm St"}}
		}, "corrections[1].right"},
		{"correction without which data", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.Correction}
			s.Corrections = []request.CorrectionItem{{Right: "Ada"}}
		}, "corrections[0].item"},
		{"correction item too long", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.Correction}
			s.Corrections = []request.CorrectionItem{{Item: strings.Repeat("a", 201), Right: "x"}}
		}, "corrections[0].item"},
		{"correction value too long", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.Correction}
			s.Corrections = []request.CorrectionItem{{Item: "name", Right: strings.Repeat("a", 501)}}
		}, "corrections[0].right"},
		{"control characters in a correction", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.Correction}
			s.Corrections = []request.CorrectionItem{{Item: "name", Wrong: "A\x1bda", Right: "Ada"}}
		}, "corrections[0].wrong"},
		{"CR/LF in the item", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.Correction}
			s.Corrections = []request.CorrectionItem{{Item: "name\r\nBcc: x", Right: "Ada"}}
		}, "corrections[0].item"},
		{"more than ten corrections", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.Correction}
			for range 11 {
				s.Corrections = append(s.Corrections, request.CorrectionItem{Item: "name", Right: "Ada"})
			}
		}, "corrections"},
		{"corrections without correction chosen", func(s *intake.Submission) {
			s.Corrections = []request.CorrectionItem{{Item: "name", Right: "Ada"}}
		}, "corrections"},
		{"child data needs the child", func(s *intake.Submission) { s.Kinds = []request.Kind{request.ChildData} }, "childEmail"},
		{"child data by account", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.ChildData}
			s.Subject = &request.Subject{Account: "kid-2012"}
		}, ""},
		{"child data by email", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.ChildData}
			s.Subject = &request.Subject{Name: "Sam", Email: "sam@example.com"}
		}, ""},
		{"child's name alone is not enough", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.ChildData}
			s.Subject = &request.Subject{Name: "Sam"}
		}, "childEmail"},
		{"child's email is the reporter's", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.ChildData}
			s.Subject = &request.Subject{Email: " ADA@example.com"}
		}, "childEmail"},
		{"child's email malformed", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.ChildData}
			s.Subject = &request.Subject{Email: "sam@example.com\nBcc: x@example.com"}
		}, "childEmail"},
		{"child's account too long", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.ChildData}
			s.Subject = &request.Subject{Account: strings.Repeat("k", 129)}
		}, "childAccount"},
		{"control characters in the child's name", func(s *intake.Submission) {
			s.Kinds = []request.Kind{request.ChildData}
			s.Subject = &request.Subject{Name: "Sam\u0007", Account: "kid"}
		}, "childName"},
		{"child's details without child data", func(s *intake.Submission) { s.Subject = &request.Subject{Account: "kid-2012"} }, "child"},
		{"agent needs an email", func(s *intake.Submission) { s.Agent = &request.Agent{Name: "Agent Smith"} }, "agentEmail"},
		{"bad submission ID", func(s *intake.Submission) { s.SourceID = "../../etc" }, "submissionId"},
		{"multi-line address is fine", func(s *intake.Submission) { s.Requester.Address = "1 Main St\nSpringfield" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := intake.Submission{
				SourceID: "sub-0123456789abcdef", Channel: request.Web,
				Kinds:     []request.Kind{request.Deletion},
				Requester: request.Identity{Name: "Ada", Email: "ada@example.com"},
			}
			tt.change(&s)
			fe := s.Validate()
			if tt.field == "" {
				assert.Nil(t, fe)
				return
			}
			assert.Contains(t, fe, tt.field, "errors: %v", fe)
			assert.NotEmpty(t, fe[tt.field])
		})
	}
}

func TestChildEmailEqualToTheReportersIsExplained(t *testing.T) {
	s := intake.Submission{
		SourceID: "sub-0123456789abcdef", Channel: request.Web, Kinds: []request.Kind{request.ChildData},
		Requester: request.Identity{Name: "Ada", Email: "ada@example.com"},
		Subject:   &request.Subject{Email: "Ada@Example.com"},
	}
	fe := s.Validate()
	assert.Contains(t, fe["childEmail"], "your own email address")
}
