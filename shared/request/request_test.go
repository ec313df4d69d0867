package request_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/request"
)

func TestCheckTransition(t *testing.T) {
	tests := []struct {
		from, to request.Status
		ok       bool
	}{
		{request.Received, request.Acknowledged, true},
		{request.Acknowledged, request.Verifying, true},
		{request.Verifying, request.Verified, true},
		{request.Verifying, request.Unverified, true},
		{request.Verified, request.Extended, true},
		{request.Extended, request.Completed, true},
		{request.Received, request.Verified, false}, // nobody skips verification
		{request.Completed, request.InProgress, false},
		{request.Denied, request.Completed, false},
		{request.Verifying, request.Completed, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"→"+string(tt.to), func(t *testing.T) {
			err := request.CheckTransition(tt.from, tt.to)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			var te *request.TransitionError
			assert.ErrorAs(t, err, &te)
			assert.ErrorIs(t, err, request.ErrTransition)
		})
	}
}

// TestIDsStayTheSame pins IDs as the desk has always made them: an ID is
// derived from its source, so a retry after a deploy must find the request
// the first attempt opened, not open another.
func TestIDsStayTheSame(t *testing.T) {
	assert.Equal(t, "PR-3T7G-3ACQ-46B2-OPIN", request.NewID(request.Web, "sub-123"))
	assert.Equal(t, "PR-XXV4-OAYT-DO7B-HS54", request.NewID(request.Web, strings.Repeat("x", 300)), "a source longer than the stack buffer")
	assert.Equal(t, "PR-MLCC-MXT5-JROI-FBWW", request.WebID("web-abc", " Ana@Example.com "), "the address normalised, its digest in hex")
}

func TestNewID(t *testing.T) {
	a := request.NewID(request.Web, "sub-123")
	assert.Regexp(t, regexp.MustCompile(`^PR-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`), a)
	assert.Equal(t, a, request.NewID(request.Web, "sub-123"), "same source, same ID")
	assert.NotEqual(t, a, request.NewID(request.Email, "sub-123"), "channels do not collide")
	assert.NotEqual(t, a, request.NewID(request.Web, "sub-124"))
}

func TestDueNextAndOptOuts(t *testing.T) {
	r := request.Request{Kinds: []request.Kind{request.OptOutSale, request.OptOutMarketing}}
	assert.True(t, r.OnlyOptOuts())
	r.Kinds = append(r.Kinds, request.Deletion)
	assert.False(t, r.OnlyOptOuts())
	assert.True(t, request.Due{}.Next().IsZero())
}

func TestContentFingerprint(t *testing.T) {
	base := func() *request.Request {
		return &request.Request{
			ID: "PR-AAAA-BBBB-CCCC-DDDD", Channel: request.Web, Priority: request.Normal,
			Kinds:       []request.Kind{request.Deletion, request.Correction},
			Requester:   request.Identity{Name: "Ada Lovelace", Email: "ada@example.com"},
			Corrections: []request.CorrectionItem{{Item: "postal address", Right: "1 Main St"}},
		}
	}
	first := base()
	first.Fingerprint = first.ContentFingerprint()
	assert.Len(t, first.Fingerprint, 64)
	assert.NotContains(t, first.Fingerprint, "ada")

	same := []struct {
		name   string
		change func(r *request.Request)
	}{
		{"identical", func(*request.Request) {}},
		{"kinds in another order", func(r *request.Request) { r.Kinds = []request.Kind{request.Correction, request.Deletion} }},
		{"address in capitals", func(r *request.Request) { r.Requester.Email = "ADA@example.com" }},
		{"status and clocks moved on", func(r *request.Request) {
			r.Status = request.Verified
			r.Due.Response = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		}},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.change(r)
			assert.True(t, first.SameContent(r))
		})
	}
	differs := []struct {
		name   string
		change func(r *request.Request)
	}{
		{"another address", func(r *request.Request) { r.Requester.Email = "grace@example.com" }},
		{"other kinds", func(r *request.Request) { r.Kinds = []request.Kind{request.Deletion} }},
		{"another person", func(r *request.Request) { r.Requester.Name = "Grace Hopper" }},
		{"another child", func(r *request.Request) { r.Subject = &request.Subject{Account: "kid-7"} }},
		{"another correction", func(r *request.Request) { r.Corrections[0].Right = "2 Main St" }},
		{"another request ID", func(r *request.Request) { r.ID = "PR-ZZZZ-BBBB-CCCC-DDDD" }},
	}
	for _, tt := range differs {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.change(r)
			assert.False(t, first.SameContent(r))
		})
	}
	t.Run("a request stored without a fingerprint is compared by its content", func(t *testing.T) {
		legacy := base()
		assert.True(t, legacy.SameContent(base()))
		other := base()
		other.Details = "something else"
		assert.False(t, legacy.SameContent(other))
	})
}

func TestAnswerBy(t *testing.T) {
	due := request.Due{Response: time.Date(2027, 1, 11, 4, 59, 0, 0, time.UTC), Extended: time.Date(2027, 2, 25, 4, 59, 0, 0, time.UTC)}
	for _, tt := range []struct {
		status request.Status
		want   time.Time
	}{
		{request.Verified, due.Response},
		{request.InProgress, due.Response},
		{request.Extended, due.Extended},
	} {
		t.Run(string(tt.status), func(t *testing.T) {
			r := &request.Request{Status: tt.status, Due: due}
			assert.Equal(t, tt.want, r.AnswerBy())
		})
	}
	assert.True(t, (&request.Request{Status: request.Acknowledged}).AnswerBy().IsZero(), "opt-outs have no answer date")
}
