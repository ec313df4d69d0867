package request_test

import (
	"regexp"
	"testing"

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
